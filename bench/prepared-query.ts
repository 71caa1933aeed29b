import type { MikroORM } from "@mikro-orm/postgresql";
import { SimilarityRepository, type TagStats } from "../src/search/similarity-repository.js";
import { weighQuery, type WeightedQuery } from "../src/search/tag-weights.js";
import { rankingArguments, type RankingArguments } from "./ranking-statements.js";

export interface PreparedQuery {
  tags: string[];
  stats: TagStats;
  weighted: WeightedQuery;
  args: RankingArguments;
}

/**
 * As the search service prepares a query photo's tags: tag statistics read
 * once (SimilarityRepository.tagStats), then IDF weights (weighQuery). A
 * query photo's tags all count as sure (confidence 1). Not timed.
 */
export async function prepareQuery(orm: MikroORM, tags: string[]): Promise<PreparedQuery> {
  const stats = await new SimilarityRepository(orm.em.fork()).tagStats(tags);
  const weighted = weighQuery(
    tags.map((tag) => ({ tag, confidence: 1 })),
    stats.productCount,
    stats.productsWith,
  );
  return { tags, stats, weighted, args: rankingArguments(weighted, stats) };
}
