import type { TagStats } from "../src/search/similarity-repository.js";
import { numberArrayLiteral } from "../src/db/sql-arrays.js";
import type { WeightedQuery } from "../src/search/tag-weights.js";

/** Products sharing at least one tag with the query: every one of them is scored by the unpruned ranking. */
export const CANDIDATE_COUNT = "select count(*)::integer as candidates from (select distinct product_id from product_tag where tag_id = any(?::int[])) as candidate";

/** A query's tags as both rankings take them: ids and weights as array literals, heaviest first. */
export interface RankingArguments {
  tagIds: string;
  weights: string;
}

/** Tags no product carries are left out, as findSimilar leaves them out. */
export function rankingArguments(query: WeightedQuery, stats: TagStats): RankingArguments {
  const known = query.tags.flatMap(({ tag, weight }) => {
    const id = stats.idOf(tag);
    return id === undefined ? [] : [{ id, weight }];
  });
  return { tagIds: numberArrayLiteral(known.map(({ id }) => id)), weights: numberArrayLiteral(known.map(({ weight }) => weight)) };
}
