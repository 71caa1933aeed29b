import { mkdir, writeFile } from "node:fs/promises";
import type { BenchConfig } from "./bench-config.js";
import type { WorkloadName } from "./workloads.js";
import { SCORE_TOLERANCE } from "./compare-rankings.js";
import type { LatencySummary } from "./latency.js";
import type { MachineFacts } from "./machine-facts.js";
import type { QueryKindResult } from "./measure-query-kind.js";
import type { RelationSize } from "./relation-sizes.js";
import type { SeedStats } from "./seed-catalog.js";

export interface BenchResults {
  benchmark: "similar-by-weighted-tag-overlap";
  generatedAt: string;
  workload: { name: WorkloadName; description: string };
  machine: MachineFacts;
  database: string;
  config: Omit<BenchConfig, "databaseUrl" | "workloads">;
  seed: SeedStats;
  prewarmMs: number;
  kinds: QueryKindResult[];
  totalSeconds: number;
}

/** The issue's target for the SQL step's median, at a million products. */
const ISSUE_TARGET_MS: Record<QueryKindResult["kind"], number> = { popular: 20, rare: 5 };

/** One file per workload: bench/results/similar-<workload>-latest.json. */
export async function writeResults(results: BenchResults, workload: string): Promise<string> {
  const name = `similar-${workload}-latest.json`;
  const file = new URL(`./results/${name}`, import.meta.url);
  await mkdir(new URL(".", file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return `bench/results/${name}`;
}

export function printReport(results: BenchResults): void {
  const { machine, seed, config, kinds } = results;
  const lines = [
    `similar products by weighted tag overlap: ${count(seed.products)} products, ` +
      `${kinds.map((kind) => `${kind.queries} ${kind.kind}`).join(" + ")} queries, top ${config.limit}`,
    `workload  ${results.workload.name}: ${results.workload.description}`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(" ")}; node ${machine.node}; ` +
      `PostgreSQL ${machine.postgres} (shared_buffers ${machine.postgresMemory.sharedBuffers}, work_mem ${machine.postgresMemory.workMem})`,
    `database  ${results.database}`,
    `seed      ${seconds(seed.copyMs + seed.indexMs + seed.countsMs + seed.vacuumAnalyzeMs)}: generate + COPY ${seconds(seed.copyMs)}, ` +
      `product_tag indexes ${seconds(seed.indexMs)}, counts ${seconds(seed.countsMs)}, vacuum analyze ${seconds(seed.vacuumAnalyzeMs)}; ` +
      `${count(seed.productTags)} product_tag rows (${seed.averageTags.toFixed(2)} tags/product, ${count(seed.vocabulary)} distinct tags)`,
    ...sizeLines(seed.sizes),
    `prewarm   ${seconds(results.prewarmMs)}: product, product_tag_ids and product_tag_pkey loaded into shared buffers (pg_prewarm)`,
    "",
    latencyRow(["kind", "measured", "n", "median", "p95"]),
    ...kinds.flatMap((kind) => [
      latencyRow([kind.kind, "ours: rank (SQL step)", ...latencyCells(kind.ranking)]),
      latencyRow(["", "ours: findSimilar (+ load, explain)", ...latencyCells(kind.findSimilar)]),
      latencyRow(["", "term at a time (similar_products)", ...latencyCells(kind.termAtATime)]),
      latencyRow(["", "baseline: unpruned SQL", ...latencyCells(kind.baseline)]),
      latencyRow(["", "baseline / ours (SQL step)", "", times(kind.ratio.median), times(kind.ratio.p95)]),
    ]),
    ...kinds.map((kind) => {
      const target = ISSUE_TARGET_MS[kind.kind];
      return `target (${kind.kind}, set for 1,000,000 products): the SQL step's median at most ${target} ms: ${kind.ranking.medianMs <= target ? "met" : "NOT met"} (${ms(kind.ranking.medianMs)})`;
    }),
    "",
    statsRow(["kind", "guesses median (max)", "candidates median"]),
    ...kinds.map((kind) => statsRow([kind.kind, `${kind.attempts.median} (${kind.attempts.max})`, count(Math.round(kind.candidatesMedian))])),
    "guesses = statements rank ran (one per threshold; 0 = it handed the query to similar_products)",
    "candidates = products sharing at least one tag with the query: what the baseline scores",
    "",
    ...kinds.map((kind) =>
      kind.mismatches.length === 0
        ? `correct (${kind.kind}): top ${config.limit} equal to the baseline's for ${kind.queries}/${kind.queries} queries ` +
          `(${kind.exact} exactly, ${kind.equalUpToTies} up to float ties at ${SCORE_TOLERANCE}); similar_products and findSimilar agreed`
        : `MISMATCH (${kind.kind}): ${kind.mismatches.length}/${kind.queries} queries, first: ${JSON.stringify(kind.mismatches[0])}`,
    ),
    `total ${results.totalSeconds.toFixed(0)} s`,
  ];
  console.log(lines.join("\n"));
}

/** One line per table: its size, then each index's. */
function sizeLines(sizes: readonly RelationSize[]): string[] {
  const tables = sizes.filter((size) => size.table === null);
  return tables.map((table, index) => {
    const indexes = sizes.filter((size) => size.table === table.name).map((size) => `${size.name} ${mebibytes(size.bytes)}`);
    return `${index === 0 ? "sizes" : ""}`.padEnd(10) + `${table.name} ${mebibytes(table.bytes)}; ${indexes.join(", ")}`;
  });
}

const latencyCells = (latency: LatencySummary) => [String(latency.samples), ms(latency.medianMs), ms(latency.p95Ms)];

const LATENCY_WIDTHS = [8, 36, 5, 11, 11];
const STATS_WIDTHS = [8, 20, 18];

const latencyRow = (cells: readonly string[]) => row(cells, LATENCY_WIDTHS, 2);
const statsRow = (cells: readonly string[]) => row(cells, STATS_WIDTHS, 1);

/** The first `leftAligned` cells padded on the right, the numbers after them on the left. */
function row(cells: readonly string[], widths: readonly number[], leftAligned: number): string {
  return cells.map((cell, index) => (index < leftAligned ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join(" ");
}

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const times = (ratio: number) => `${ratio < 10 ? ratio.toFixed(1) : ratio.toFixed(0)}x`;
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const count = (value: number) => value.toLocaleString("en-US");
