import type { MikroORM } from "@mikro-orm/postgresql";
import { ProductRepository } from "../src/catalog/product-repository.js";
import type { BenchConfig } from "./bench-config.js";
import { sameRanking, type RankingMismatch } from "./compare-rankings.js";
import { median, summarizeLatency, timed, type LatencySummary } from "./latency.js";
import { countCandidates, NaiveSimilarSearch, rankByTagOverlap, type RankedId } from "./naive-similar.js";
import type { QueryKind } from "./query-sets.js";
import { explainPlan, recordStatements } from "./statement-recorder.js";

export interface QueryKindResult {
  kind: QueryKind;
  queries: number;
  ours: LatencySummary;
  baseline: LatencySummary & { loadMedianMs: number };
  /** Baseline over ours, both measured in this run on this machine. */
  speedUp: { median: number; p95: number };
  /** Median number of products sharing at least one tag with a query (the GIN filter's output). */
  candidatesMedian: number;
  /** How the planner reads product, per query: scan node -> number of queries. */
  scanNodes: Record<string, number>;
  /** The plan of the first query of this kind. */
  examplePlan: string[];
  /** Queries whose top results were checked against the baseline's. */
  compared: number;
  mismatches: RankingMismatch[];
}

const BASELINE_WARM_UP_RUNS = 2;

/**
 * Ours (production's path: a forked EntityManager per request, as the
 * GraphQL context does, and ProductRepository.findByTagOverlap) against the
 * naive baseline, on one kind of query. After an untimed warm-up, baseline
 * runs are spread evenly among ours, so a noisy neighbour slows both alike.
 */
export async function measureQueryKind(orm: MikroORM, kind: QueryKind, queries: string[][], config: BenchConfig): Promise<QueryKindResult> {
  const ours = async (tags: readonly string[]): Promise<RankedId[]> => {
    const found = await new ProductRepository(orm.em.fork()).findByTagOverlap(tags, config.limit);
    return found.map(({ product, score }) => ({ id: product.id, score }));
  };
  const naive = new NaiveSimilarSearch(orm.em.fork(), config.limit);

  const statements = await warmUp(orm, ours, queries);
  for (let run = 0; run < BASELINE_WARM_UP_RUNS; run++) await naive.find(queries[run % queries.length] ?? []);
  naive.loadMs.length = 0;

  const oursMs: number[] = [];
  const oursRankings: RankedId[][] = [];
  const baselineMs: number[] = [];
  const baselineRankings = new Map<number, RankedId[]>();
  const baselineEvery = Math.max(1, Math.floor(queries.length / config.baselineRuns));
  for (const [index, tags] of queries.entries()) {
    const mine = await timed(() => ours(tags));
    oursMs.push(mine.ms);
    oursRankings.push(mine.result);
    if (index % baselineEvery === 0 && baselineMs.length < config.baselineRuns) {
      const theirs = await timed(() => naive.find(tags));
      baselineMs.push(theirs.ms);
      baselineRankings.set(index, theirs.result);
    }
  }

  // Every query is checked, not only the timed ones: ranking rows already loaded is cheap.
  const mismatches: RankingMismatch[] = [];
  const candidates: number[] = [];
  for (const [index, tags] of queries.entries()) {
    candidates.push(countCandidates(naive.lastRows, tags));
    const expected = baselineRankings.get(index) ?? rankByTagOverlap(naive.lastRows, tags, config.limit);
    const actual = oursRankings[index] ?? [];
    if (!sameRanking(actual, expected)) mismatches.push({ kind, queryIndex: index, tags, ours: actual, baseline: expected });
  }

  const plans: string[][] = [];
  for (const sql of statements) plans.push(await explainPlan(orm, sql));
  const oursLatency = summarizeLatency(oursMs);
  const baselineLatency = summarizeLatency(baselineMs);
  return {
    kind,
    queries: queries.length,
    ours: oursLatency,
    baseline: { ...baselineLatency, loadMedianMs: median(naive.loadMs) },
    speedUp: { median: baselineLatency.medianMs / oursLatency.medianMs, p95: baselineLatency.p95Ms / oursLatency.p95Ms },
    candidatesMedian: median(candidates),
    scanNodes: tally(plans.flatMap(scanNodesOf)),
    examplePlan: plans[0] ?? [],
    compared: queries.length,
    mismatches,
  };
}

/** One untimed pass of ours over every query; returns the SQL each sent, for EXPLAIN. */
async function warmUp(orm: MikroORM, ours: (tags: readonly string[]) => Promise<unknown>, queries: readonly string[][]): Promise<string[]> {
  const recorder = recordStatements(orm);
  try {
    const statements: string[] = [];
    for (const tags of queries) {
      await ours(tags);
      statements.push(recorder.last());
    }
    return statements;
  } finally {
    recorder.stop();
  }
}

/** "Bitmap Index Scan on product_tags_gin", "Seq Scan on product p": the nodes that read the table. */
function scanNodesOf(plan: readonly string[]): string[] {
  const nodes = plan.map((line) => /(\w[\w ]*Scan(?: using \S+)? on product\w*)/.exec(line)?.[1]).filter((node): node is string => node !== undefined);
  return [...new Set(nodes)];
}

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
