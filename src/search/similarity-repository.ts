import type { EntityManager } from "@mikro-orm/postgresql";
import type { DuplicateKind } from "./hybrid-ranking.js";
import { Product } from "../catalog/product.entity.js";
import { attributesParameter } from "./attribute-filter.js";
import { placeholders, productFilterConditions } from "./product-filter-sql.js";
import { numberArrayLiteral, textArrayLiteral } from "../db/sql-arrays.js";
import { rowScoreSql, tagTermSql } from "./tag-score-sql.js";
import type { WeightedQuery } from "./tag-weights.js";
import type { PlanLimits, PlannedTag } from "./top-k-plan.js";
import { plannedTopK, type RankedRow, type TopKRequest, type TopKResult } from "./top-k-search.js";
import { CatalogReads, type SharedCatalogReads } from "../catalog/catalog-reads.js";
import { preparedRows, type PreparedStatement } from "../db/prepared-statement.js";

export interface TagContribution {
  tag: string;
  /** The part of the score this tag gave (all of a product's contributions add up to its score). */
  share: number;
}

export interface ScoredProduct {
  product: Product;
  /** From 0 to 1: the ranking's score (hybrid-ranking.ts). */
  score: number;
  /** From 0 to 1: how much the product looks like the query; null when the ranking did not use it. */
  visualScore: number | null;
  /** From 0 to 1: the weighted share of the query's tags the product carries; null when not used. */
  tagScore: number | null;
  duplicate: DuplicateKind | null;
  /** The product's photo that matched the query photo: the nearest by look, or the duplicate; null when ranked by tags or words. */
  matchedPhotoId: string | null;
  matchedTags: string[];
  /** The tag score's parts (they add up to tagScore). */
  contributions: TagContribution[];
}

/** A candidate scored by its tags from its own row, with what ranking needs. */
export interface CandidateRow {
  product_id: string;
  /** In weight units. */
  score: number;
  tag_count: number;
  created_at: Date;
}

export interface SimilarityFilters {
  /** Tags the product must carry, e.g. object:cup, color:red. */
  requiredTags: string[];
  createdAfter: Date | null;
  /** Pairs the product's attributes must hold, each exactly (empty: no filter). */
  attributes: Record<string, string>;
}

export interface SimilarityOptions {
  limit: number;
  /** From 0 to 1. */
  minScore: number;
  excludeProductId: string | null;
  filters: SimilarityFilters;
}

export interface TagStats {
  productCount: number;
  /** Products carrying the tag (0 for a tag no product has). */
  productsWith(tag: string): number;
  /** The mean confidence products carry the tag with (1 for a tag no product has). */
  meanConfidence(tag: string): number;
  idOf(tag: string): number | undefined;
}

/** The term-at-a-time pruned search (the weighted-tags migration; the attribute-filter migration's since): the fallback of rank. */
const SIMILAR_PRODUCTS = `select product_id, score from similar_products(?::int[], ?::float8[], ?, ?, ?::uuid, ?::int[], ?::timestamptz, ?::jsonb)`;

/**
 * The same ranking without pruning: every product sharing a query tag is
 * scored. Kept as the reference the pruned search must equal, and as the
 * baseline of the benchmark.
 */
export const UNPRUNED_SIMILAR_PRODUCTS = `
  select pt.product_id, sum(${tagTermSql("q.w", "pt.confidence")}) as score
  from unnest(?::int[], ?::float8[]) as q(tag_id, w)
  join product_tag pt on pt.tag_id = q.tag_id
  group by pt.product_id
  having sum(${tagTermSql("q.w", "pt.confidence")}) >= ?
  order by score desc, max(pt.created_at) desc, pt.product_id desc
  limit ?`;

/**
 * The catalogue's product count and the query tags' counts, in one round
 * trip (a ranking's first statement): the singleton catalog_stats row, with
 * one row per known tag, or one row of nulls when none is known.
 */
const TAG_STATS: PreparedStatement = {
  name: "search_tag_stats",
  text: `select c.product_count as catalog_count, s.id, s.tag, s.product_count, s.confidence_sum
         from catalog_stats c left join tag_stats s on s.tag = any(?::text[])`,
};

interface TagStatsRow {
  catalog_count: string;
  id: number | null;
  tag: string | null;
  product_count: number | null;
  confidence_sum: number | null;
}

/** The query tags each ranked product carries, with its confidences (the explanation of its tag score). */
const MATCHED_TAGS: PreparedStatement = {
  name: "search_matched_tags",
  text: `select pt.product_id, s.tag, pt.confidence from product_tag pt join tag_stats s on s.id = pt.tag_id
         where pt.product_id = any(?::uuid[]) and s.tag = any(?::text[])`,
};

/** Weighted tag search; the SQL that matters for ranking lives here. */
export class SimilarityRepository {
  /** @param sharedReads the process's shared product reads (catalog-reads.ts), for the products a ranking answers with */
  constructor(
    private readonly em: EntityManager,
    private readonly sharedReads: SharedCatalogReads | null = null,
  ) {}

  async tagStats(tags: readonly string[]): Promise<TagStats> {
    const rows = await preparedRows<TagStatsRow>(this.em, TAG_STATS, [textArrayLiteral(tags)]);
    const byTag = new Map(rows.flatMap((row) => (row.tag === null ? [] : [[row.tag, { id: row.id!, product_count: row.product_count!, confidence_sum: row.confidence_sum! }] as const])));
    return {
      productCount: Number(rows[0]?.catalog_count ?? 0),
      productsWith: (tag) => byTag.get(tag)?.product_count ?? 0,
      meanConfidence: (tag) => {
        const row = byTag.get(tag);
        return row && row.product_count > 0 ? Math.min(1, Math.max(0, row.confidence_sum / row.product_count)) : 1;
      },
      idOf: (tag) => byTag.get(tag)?.id,
    };
  }

  async findSimilar(query: WeightedQuery, stats: TagStats, options: SimilarityOptions): Promise<ScoredProduct[]> {
    return this.explain((await this.rank(query, stats, options)).rows, query);
  }

  /**
   * The SQL step of findSimilar: the exact top k as ids and scores (in weight
   * units). Planned guesses first (top-k-search.ts); the pruned SQL function
   * when a guess would search too widely.
   */
  async rank(query: WeightedQuery, stats: TagStats, options: SimilarityOptions, limits?: PlanLimits): Promise<TopKResult> {
    const tags = plannedTags(query.tags, stats);
    const required = options.filters.requiredTags.map((tag) => plannedTag(tag, 0, stats));
    if (tags.length === 0 || query.total <= 0 || required.some((tag) => tag === null)) return { rows: [], attempts: 0 };
    const request: TopKRequest = {
      tags,
      required: required as PlannedTag[],
      productCount: stats.productCount,
      k: options.limit,
      minScore: options.minScore * query.total,
      excludeProductId: options.excludeProductId,
      createdAfter: options.filters.createdAfter,
      attributes: options.filters.attributes,
    };
    if (tags.every((tag) => tag.weight > 0)) {
      const planned = await plannedTopK((sql, params) => this.em.execute(sql, params), request, limits);
      if (planned.attempts > 0) return planned;
    }
    const rows = await this.em.execute<RankedRow[]>(SIMILAR_PRODUCTS, [
      numberArrayLiteral(tags.map((tag) => tag.id)),
      numberArrayLiteral(tags.map((tag) => tag.weight)),
      request.k,
      request.minScore,
      request.excludeProductId,
      required.length > 0 ? numberArrayLiteral(request.required.map((tag) => tag.id)) : null,
      request.createdAfter?.toISOString() ?? null,
      attributesParameter(request.attributes),
    ]);
    return { rows, attempts: 0 };
  }

  /**
   * Given products scored by their tags with the same formula as rank
   * (tag-score-sql.ts), those that pass the filters: the tag side of
   * candidates found by another signal.
   */
  async scoreCandidates(query: WeightedQuery, stats: TagStats, productIds: readonly string[], filters: SimilarityFilters): Promise<CandidateRow[]> {
    if (productIds.length === 0) return [];
    const tags = plannedTags(query.tags, stats);
    const required = filters.requiredTags.map((tag) => stats.idOf(tag));
    if (required.some((id) => id === undefined)) return [];
    const { params, bind } = placeholders();
    const score = tags.length > 0 ? rowScoreSql(tags.map((tag) => ({ weight: bind(tag.weight, "float8"), tagId: bind(tag.id, "int") }))) : "0";
    const conditions = [`p.id = any(${bind(textArrayLiteral(productIds), "uuid[]")})`];
    if (required.length > 0) conditions.push(`p.tag_ids @> ${bind(numberArrayLiteral(required as number[]), "int[]")}`);
    conditions.push(...productFilterConditions(filters, bind));
    const rows = await this.em.execute<CandidateRow[]>(
      `select p.id as product_id, p.created_at, cardinality(p.tag_ids) as tag_count, ${score} as score from product p where ${conditions.join(" and ")}`,
      params,
    );
    return rows.map((row) => ({ ...row, score: Number(row.score), tag_count: Number(row.tag_count), created_at: new Date(row.created_at) }));
  }

  /** Loads the ranked products and says which query tags each one matched, and how much each gave. */
  async explain(rows: readonly RankedRow[], query: WeightedQuery): Promise<ScoredProduct[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.product_id);
    const products = await new CatalogReads(this.em, this.sharedReads).productsByIds(ids);
    const weights = new Map(query.tags.map(({ tag, weight }) => [tag, weight]));
    const evidence = await preparedRows<{ product_id: string; tag: string; confidence: number }>(this.em, MATCHED_TAGS, [
      textArrayLiteral(ids),
      textArrayLiteral([...weights.keys()]),
    ]);
    return rows.map((row) => {
      const contributions = evidence
        .filter((item) => item.product_id === row.product_id)
        .map((item) => ({ tag: item.tag, share: query.total > 0 ? (weights.get(item.tag)! * item.confidence) / query.total : 0 }))
        .sort((a, b) => b.share - a.share || (a.tag < b.tag ? -1 : 1));
      const score = query.total > 0 ? Number(row.score) / query.total : 0;
      return {
        product: products.get(row.product_id)!,
        score,
        visualScore: null,
        tagScore: score,
        duplicate: null,
        matchedPhotoId: null,
        matchedTags: contributions.map((item) => item.tag).sort(),
        contributions,
      };
    });
  }
}

/** Query tags the catalogue knows, as the top-k planner takes them (tags no product has cannot match). */
function plannedTags(tags: WeightedQuery["tags"], stats: TagStats): PlannedTag[] {
  return tags.flatMap(({ tag, weight }) => plannedTag(tag, weight, stats) ?? []);
}

function plannedTag(tag: string, weight: number, stats: TagStats): PlannedTag | null {
  const id = stats.idOf(tag);
  return id === undefined ? null : { id, weight, products: stats.productsWith(tag), meanConfidence: stats.meanConfidence(tag) };
}
