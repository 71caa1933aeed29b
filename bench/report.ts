import { mkdir, writeFile } from "node:fs/promises";
import type { BenchConfig } from "./bench-config.js";
import type { MachineFacts } from "./machine-facts.js";
import type { QueryKindResult } from "./measure-query-kind.js";
import type { SeedStats } from "./seed-catalog.js";
import { GIN_INDEX } from "./statement-recorder.js";

export interface BenchResults {
  benchmark: "similar-by-tag-overlap";
  generatedAt: string;
  machine: MachineFacts;
  database: string;
  config: Omit<BenchConfig, "databaseUrl">;
  seed: SeedStats;
  kinds: QueryKindResult[];
  totalSeconds: number;
}

const RESULTS_FILE = new URL("./results/similar-latest.json", import.meta.url);

export async function writeResults(results: BenchResults): Promise<string> {
  await mkdir(new URL(".", RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  return "bench/results/similar-latest.json";
}

export function printReport(results: BenchResults): void {
  const { machine, seed, config } = results;
  const lines = [
    `similar products by tag overlap: ${count(seed.products)} products, ${config.queries} queries, top ${config.limit}`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(" ")}; node ${machine.node}; PostgreSQL ${machine.postgres}`,
    `database  ${results.database}`,
    `seed      ${seconds(seed.insertMs)} insert + ${seconds(seed.vacuumAnalyzeMs)} vacuum analyze; ` +
      `${seed.averageTags.toFixed(1)} tags/product; table ${mebibytes(seed.tableBytes)}, ${GIN_INDEX} ${mebibytes(seed.ginIndexBytes)}`,
    "",
    row(["queries", "ours n", "median", "p95", "baseline n", "median", "p95", "speed-up median", "p95"]),
    ...results.kinds.map((kind) =>
      row([
        kind.kind,
        String(kind.ours.samples),
        ms(kind.ours.medianMs),
        ms(kind.ours.p95Ms),
        String(kind.baseline.samples),
        ms(kind.baseline.medianMs),
        ms(kind.baseline.p95Ms),
        times(kind.speedUp.median),
        times(kind.speedUp.p95),
      ]),
    ),
    "ours = ProductRepository.findByTagOverlap; baseline = load every row's tags into Node, score there (its load alone: " +
      results.kinds.map((kind) => `${kind.kind} ${ms(kind.baseline.loadMedianMs)}`).join(", ") +
      " median)",
    "",
    ...results.kinds.flatMap((kind) => [
      `plans (${kind.kind}): ${Object.entries(kind.scanNodes)
        .map(([node, queries]) => `${node} in ${queries}/${kind.queries}`)
        .join("; ")}; products sharing a tag with the query: median ${count(Math.round(kind.candidatesMedian))}`,
      ...kind.examplePlan.filter((line) => line.includes("Scan on product")).map((line) => `  e.g. ${line.trim()}`),
    ]),
    "",
    ...results.kinds.map((kind) =>
      kind.mismatches.length === 0
        ? `correct (${kind.kind}): top ${config.limit} ids and scores equal the baseline's for ${kind.compared}/${kind.compared} queries`
        : `MISMATCH (${kind.kind}): ${kind.mismatches.length}/${kind.compared} queries differ from the baseline, first: ${JSON.stringify(kind.mismatches[0])}`,
    ),
    `total ${results.totalSeconds.toFixed(0)} s`,
  ];
  console.log(lines.join("\n"));
}

const WIDTHS = [9, 7, 10, 10, 11, 10, 10, 16, 6];

function row(cells: readonly string[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(WIDTHS[0] ?? 0) : cell.padStart(WIDTHS[index] ?? 0))).join(" ");
}

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const times = (ratio: number) => `${ratio < 10 ? ratio.toFixed(1) : ratio.toFixed(0)}x`;
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const count = (value: number) => value.toLocaleString("en-US");
