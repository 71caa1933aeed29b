import { numberArrayLiteral } from "../db/sql-arrays.js";
import { rowScoreSql } from "./tag-score-sql.js";
import { placeholders, productFilterConditions } from "./product-filter-sql.js";
import { maximumScoreTopK, type TieRead } from "./maximum-score-ties.js";
import { DEFAULT_PLAN_LIMITS, factorConjunctions, ginConjunctions, thresholdGuesses, winningCoalitions, type PlanLimits, type PlannedTag } from "./top-k-plan.js";

export interface TopKRequest {
  tags: PlannedTag[];
  /** Tags every result must carry (filters); their weights do not count. */
  required: PlannedTag[];
  productCount: number;
  k: number;
  /** In score units (weights), not as a share of the total. */
  minScore: number;
  excludeProductId: string | null;
  createdAfter: Date | null;
  /** Pairs the product's attributes must hold (empty: no filter). */
  attributes: Record<string, string>;
}

export interface RankedRow {
  product_id: string;
  score: number;
}

export type ExecuteSql = <T>(sql: string, params: unknown[]) => Promise<T[]>;

export interface TopKResult {
  rows: RankedRow[];
  /** Thresholds tried; 0 when the plan gave up (too many coalitions or candidates). */
  attempts: number;
  /** Answered by the newest products scoring the most any product can (maximum-score-ties.ts), found this way. */
  tiedAtMaximum?: TieRead;
}

/**
 * The exact top k by guessed and verified thresholds (see top-k-plan.ts):
 * one statement per guess, usually one in all. Returns attempts 0 and no
 * rows when a guess would need too wide a search, so the caller can use the
 * term-at-a-time function instead.
 */
export async function plannedTopK(execute: ExecuteSql, request: TopKRequest, limits: PlanLimits = DEFAULT_PLAN_LIMITS): Promise<TopKResult> {
  const { tags, k, minScore, productCount } = request;
  const total = tags.reduce((sum, tag) => sum + tag.weight, 0);
  // Scores are float sums in another order than the weights here: the sets are built a hair wide.
  const slack = total * 1e-9;
  const tied = limits.maximumTies ? await maximumScoreTopK(execute, request, limits) : null;
  if (tied) return { rows: tied.rows, attempts: 1, tiedAtMaximum: tied.read };
  let attempts = 0;
  for (const threshold of thresholdGuesses(tags, productCount, k, minScore, limits)) {
    attempts++;
    // Above zero: a product sharing no tag with the query is no match, even at minScore 0.
    const coalitions = winningCoalitions(tags, Math.max(threshold - slack, Number.MIN_VALUE), limits.maxCoalitions);
    if (!coalitions) return { rows: [], attempts: 0 };
    // No set of query tags reaches this threshold: nothing can score that much.
    if (coalitions.length === 0) {
      if (threshold <= minScore) return { rows: [], attempts };
      continue;
    }
    const conjunctions = ginConjunctions(coalitions, tags, request.required, productCount);
    if (conjunctions.expectedCandidates > limits.maxCandidates) return { rows: [], attempts: 0 };
    const { sql, params } = topKStatement(request, conjunctions.sets, threshold);
    const rows = await execute<RankedRow>(sql, params);
    if (rows.length >= k || threshold <= minScore) return { rows, attempts };
  }
  throw new Error("thresholdGuesses always ends with the floor");
}

/**
 * One guess as SQL: the candidates from the GIN conjunctions, each scored
 * from its own row (intarray's idx finds a tag's position, and so its
 * confidence), those at or above the threshold ranked, ties to the newest
 * (TAGS keeps this ranking; hybrid-ranking.ts breaks ties by extra tags).
 */
function topKStatement(request: TopKRequest, sets: readonly number[][], threshold: number): { sql: string; params: unknown[] } {
  const { params, bind } = placeholders();
  const score = rowScoreSql(request.tags.map((tag) => ({ weight: bind(tag.weight, "float8"), tagId: bind(tag.id, "int") })));
  const tagSet = (ids: readonly number[]) => bind(numberArrayLiteral(ids), "int[]");
  const factored = factorConjunctions(sets).map(({ all, any }) =>
    [...(all.length > 0 ? [`p.tag_ids @> ${tagSet(all)}`] : []), ...(any.length > 0 ? [`p.tag_ids && ${tagSet(any)}`] : [])].join(" and "),
  );
  const conditions = [`(${factored.map((condition) => `(${condition})`).join(" or ")})`];
  if (request.required.length > 0) conditions.push(`p.tag_ids @> ${bind(numberArrayLiteral(request.required.map((tag) => tag.id)), "int[]")}`);
  conditions.push(...productFilterConditions(request, bind));
  const floor = bind(threshold, "float8");
  const limit = bind(request.k, "int");
  const sql = `
    select x.id as product_id, x.score from (
      select p.id, p.created_at, ${score} as score from product p where ${conditions.join(" and ")}
    ) as x
    where x.score >= ${floor} and x.score > 0
    order by x.score desc, x.created_at desc, x.id desc
    limit ${limit}`;
  return { sql, params };
}
