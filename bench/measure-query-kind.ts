import type { MikroORM } from "@mikro-orm/postgresql";
import { SimilarityRepository, UNPRUNED_SIMILAR_PRODUCTS } from "../src/search/similarity-repository.js";
import { DEFAULT_PLAN_LIMITS, type PlanLimits } from "../src/search/top-k-plan.js";
import { compareRankings, type RankedId, type RankingMismatch } from "./compare-rankings.js";
import { median, summarizeLatency, timed, type LatencySummary } from "./latency.js";
import type { PreparedQuery } from "./prepared-query.js";
import type { QueryKind } from "./query-sets.js";
import { CANDIDATE_COUNT } from "./ranking-statements.js";

/** What is timed, per query. */
const MEASURED = ["ranking", "findSimilar", "termAtATime", "baseline"] as const;
type Measured = (typeof MEASURED)[number];

export interface QueryKindResult {
  kind: QueryKind;
  queries: number;
  /** SimilarityRepository.rank: the SQL step (planning the guesses, then their statements). */
  ranking: LatencySummary;
  /** SimilarityRepository.findSimilar: the SQL step, then loading the products and explaining their scores. */
  findSimilar: LatencySummary;
  /** The pruned similar_products function alone (term at a time, MaxScore): rank's fallback. */
  termAtATime: LatencySummary;
  /** UNPRUNED_SIMILAR_PRODUCTS: every product sharing a query tag scored. */
  baseline: LatencySummary;
  /** Baseline over the SQL step, both over the same queries in this run. */
  ratio: { median: number; p95: number };
  /** Statements rank ran per query: one per threshold guess. */
  attempts: { median: number; max: number };
  /** Median number of products sharing at least one tag with a query (what the baseline scores). */
  candidatesMedian: number;
  exact: number;
  equalUpToTies: number;
  mismatches: RankingMismatch[];
}

/** Queries of each kind run untimed first, so caches and plans are warm. */
const WARM_UP_QUERIES = 5;
/** How deep the baseline looks when a float tie may have broken differently. */
const DEEPER_LIMIT = 60;

interface Ranking {
  ranked: RankedId[];
  attempts: number | null;
}

/**
 * Ours (the SQL step, and findSimilar in full) and the unpruned baseline,
 * on every query of one kind, one after the other: a noisy neighbour slows
 * all three alike. The order rotates from query to query, so none of them
 * always finds the pages the one before it read. Every query's top results
 * are checked against the baseline's.
 */
export async function measureQueryKind(orm: MikroORM, kind: QueryKind, queries: readonly PreparedQuery[], limit: number, progress: (message: string) => void): Promise<QueryKindResult> {
  const run = rankings(orm, limit);
  for (const query of queries.slice(0, WARM_UP_QUERIES)) for (const measured of MEASURED) await run[measured](query);

  const samples: Record<Measured, number[]> = { ranking: [], findSimilar: [], termAtATime: [], baseline: [] };
  const attempts: number[] = [];
  const candidates: number[] = [];
  const agreements: Record<"exact" | "equal up to ties", number> = { exact: 0, "equal up to ties": 0 };
  const mismatches: RankingMismatch[] = [];
  for (const [index, query] of queries.entries()) {
    const found = {} as Record<Measured, Ranking>;
    for (const measured of rotate(MEASURED, index)) {
      const { result, ms } = await timed(() => run[measured](query));
      samples[measured].push(ms);
      found[measured] = result;
    }
    if (found.ranking.attempts !== null) attempts.push(found.ranking.attempts);
    candidates.push(await countCandidates(orm, query));

    // Asked for only when a float tie needs it, and then once for both comparisons.
    let deeper: Promise<RankedId[]> | undefined;
    const deeperBaseline = () => (deeper ??= run.baseline(query, DEEPER_LIMIT).then(({ ranked }) => ranked));
    const agreement = await compareRankings(found.ranking.ranked, found.baseline.ranked, deeperBaseline);
    const sameIds = found.findSimilar.ranked.map(({ id }) => id).join() === found.ranking.ranked.map(({ id }) => id).join();
    const mismatch = { kind, queryIndex: index, tags: query.tags, ours: found.ranking.ranked, baseline: found.baseline.ranked };
    const termAtATime = await compareRankings(found.termAtATime.ranked, found.baseline.ranked, deeperBaseline);
    if (agreement === "different") mismatches.push({ ...mismatch, reason: "rank differs from the baseline" });
    else if (termAtATime === "different") mismatches.push({ ...mismatch, reason: "similar_products differs from the baseline", ours: found.termAtATime.ranked });
    else if (!sameIds) mismatches.push({ ...mismatch, reason: "findSimilar's ids differ from rank's", baseline: found.findSimilar.ranked });
    else agreements[agreement]++;
    if ((index + 1) % 25 === 0) progress(`${kind}: ${index + 1}/${queries.length} queries`);
  }

  const ranking = summarizeLatency(samples.ranking);
  const baseline = summarizeLatency(samples.baseline);
  return {
    kind,
    queries: queries.length,
    ranking,
    findSimilar: summarizeLatency(samples.findSimilar),
    termAtATime: summarizeLatency(samples.termAtATime),
    baseline,
    ratio: { median: baseline.medianMs / ranking.medianMs, p95: baseline.p95Ms / ranking.p95Ms },
    attempts: { median: median(attempts), max: Math.max(...attempts) },
    candidatesMedian: median(candidates),
    exact: agreements.exact,
    equalUpToTies: agreements["equal up to ties"],
    mismatches,
  };
}

/** The measured calls, each through a fresh forked EntityManager, as a request would make them. */
function rankings(orm: MikroORM, limit: number): Record<Measured, (query: PreparedQuery, depth?: number) => Promise<Ranking>> {
  const options = { limit, minScore: 0, excludeProductId: null, filters: { requiredTags: [], createdAfter: null, attributes: {} } };
  const rank = async ({ weighted, stats }: PreparedQuery, limits?: PlanLimits): Promise<Ranking> => {
    const { rows, attempts } = await new SimilarityRepository(orm.em.fork()).rank(weighted, stats, options, limits);
    return { ranked: rows.map((row) => ({ id: row.product_id, score: Number(row.score) })), attempts };
  };
  return {
    ranking: (query) => rank(query),
    findSimilar: async ({ weighted, stats }) => {
      const matches = await new SimilarityRepository(orm.em.fork()).findSimilar(weighted, stats, options);
      return { ranked: matches.map((match) => ({ id: match.product.id, score: match.score * weighted.total })), attempts: null };
    },
    termAtATime: (query) => rank(query, ALWAYS_TERM_AT_A_TIME),
    baseline: async ({ args }, depth = limit) => {
      const rows = await orm.em.fork().execute<Array<{ product_id: string; score: number }>>(UNPRUNED_SIMILAR_PRODUCTS, [args.tagIds, args.weights, 0, depth]);
      return { ranked: rows.map((row) => ({ id: row.product_id, score: row.score })), attempts: null };
    },
  };
}

/** Limits no plan fits in: rank then always takes the similar_products function. */
const ALWAYS_TERM_AT_A_TIME: PlanLimits = { ...DEFAULT_PLAN_LIMITS, maxCandidates: -1, maximumTies: false };

async function countCandidates(orm: MikroORM, { args }: PreparedQuery): Promise<number> {
  const [row] = await orm.em.fork().execute<Array<{ candidates: number }>>(CANDIDATE_COUNT, [args.tagIds]);
  return row?.candidates ?? 0;
}

/** The items starting at `offset` (modulo their number), then the ones before. */
function rotate<T>(items: readonly T[], offset: number): T[] {
  const start = offset % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
