/**
 * `npm run bench:shards`: the exact weighted tag top-k over a catalogue
 * split by product id across several PostgreSQL databases, with global tag
 * statistics, against the same catalogue in one database: every merged
 * answer must equal the single database's, and the fan-out is timed beside
 * it. See README.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { z } from "zod";
import type { LatencySummary } from "./latency.js";
import { runShardsBench, type ShardsBenchResults, type ShardsKindResult } from "./shards-bench.js";
import { WORKLOAD_NAMES, type WorkloadName } from "./workloads.js";

const env = z
  .object({
    BENCH_SHARDS: z.coerce.number().int().min(2).max(16).default(4),
    BENCH_SHARDS_PRODUCTS: z.coerce.number().int().min(1_000).default(1_000_000),
    BENCH_QUERIES: z.coerce.number().int().min(2).default(200),
    BENCH_SEED: z.coerce.number().int().default(42),
    BENCH_WORKLOAD: z.enum([...WORKLOAD_NAMES, "all"]).default("all"),
    BENCH_DATABASE_URL: z.url().optional(),
  })
  .parse(process.env);

function report(results: ShardsBenchResults): string {
  const { options, machine, seed, kinds, all } = results;
  const shardSeconds = (seed.shards.copyMs + seed.shards.indexMs + seed.shards.countsMs + seed.shards.vacuumAnalyzeMs) / 1000;
  const singleSeconds = (seed.single.copyMs + seed.single.indexMs + seed.single.countsMs + seed.single.vacuumAnalyzeMs) / 1000;
  const lines = [
    `bench:shards: ${count(options.products)} products in one database, and split by product id over ${options.shards} databases ` +
      `(${seed.shards.products.map(count).join(", ")}); top ${options.limit}, ${kinds.map((kind) => `${kind.queries} ${kind.kind}`).join(" + ")} queries`,
    `workload  ${results.workload.name}: ${results.workload.description}`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, load ${machine.loadAverage.join(" ")}; node ${machine.node}; ` +
      `PostgreSQL ${machine.postgres} (shared_buffers ${machine.postgresMemory.sharedBuffers}, shared by every database)`,
    `database  ${results.database}`,
    `seed      single database ${singleSeconds.toFixed(1)} s (seed-catalog.ts); shards ${shardSeconds.toFixed(1)} s: routed COPY ${seconds(seed.shards.copyMs)}, ` +
      `indexes ${seconds(seed.shards.indexMs)}, counts ${seconds(seed.shards.countsMs)}, vacuum analyze ${seconds(seed.shards.vacuumAnalyzeMs)}; migrations ${seconds(seed.migrateMs)}`,
    `sizes     single: ${sizeLine(results.sizes.single)}; each shard about: ${sizeLine(results.sizes.shards[0] ?? [])}`,
    `prewarm   ${seconds(results.prewarm.ms)}: ${[...results.prewarm.buffered, ...results.prewarm.osCacheOnly].join(", ")} of every database into the OS cache; ` +
      `${results.prewarm.buffered.length > 0 ? results.prewarm.buffered.join(", ") : "none"} into shared buffers`,
    "",
    row(["kind", "measured", "n", "median", "p95"]),
    ...kinds.flatMap((kind) => kindRows(kind.kind, kind)),
    ...kindRows("all", all),
    "",
    "single  = one database: tagStats, weighQuery, rank (the tag ranking's SQL step, as SimilarityService runs it)",
    "sharded = the coordinator: every shard's tagStats at once, summed (global IDF), weighQuery, every shard's rank at once, merge",
    `alone   = each shard by itself, one after another: slowest tagStats + slowest rank (a server per shard; no network, no merge)`,
    "",
    ...kinds.map(
      (kind) =>
        `${kind.kind.padEnd(8)} statements per query (median): single ${kind.statements.singleMedian}, all shards ${kind.statements.shardsMedian}; ` +
        `handed to similar_products: single ${kind.termAtATime.single}, on some shard ${kind.termAtATime.anyShard}; merges that read dates for a tie across shards: ${kind.tieLookups}`,
    ),
    "",
    ...kinds.map((kind) =>
      kind.mismatches.length === 0
        ? `correct (${kind.kind}): merged top ${options.limit} equal to the single database's on ${kind.queries}/${kind.queries} queries ` +
          `(${kind.exact} exactly, ${kind.equalUpToTies} up to float ties); with each shard's own IDF instead, ${kind.localIdfDiffers}/${kind.queries} would differ`
        : `MISMATCH (${kind.kind}): ${kind.mismatches.length}/${kind.queries} queries, first: ${JSON.stringify(kind.mismatches[0])}`,
    ),
    `p50 with fan-out: ${ms(all.latency.sharded.medianMs)} sharded against ${ms(all.latency.single.medianMs)} in one database (${times(all.ratio.median)}); ` +
      `p95 ${ms(all.latency.sharded.p95Ms)} against ${ms(all.latency.single.p95Ms)} (${times(all.ratio.p95)}), over all ${all.queries} queries`,
    `total ${results.totalSeconds.toFixed(0)} s`,
  ];
  return lines.join("\n");
}

function kindRows(kind: string, result: Pick<ShardsKindResult, "latency" | "ratio">): string[] {
  const { latency, ratio } = result;
  return [
    row([kind, "single database", ...cells(latency.single)]),
    row(["", "sharded fan-out", ...cells(latency.sharded)]),
    row(["", "  stats (all shards, summed)", ...cells(latency.shardedStats)]),
    row(["", "  rank (all shards)", ...cells(latency.shardedRank)]),
    row(["", "  merge", ...cells(latency.shardedMerge)]),
    row(["", "sharded / single", "", times(ratio.median), times(ratio.p95)]),
    row(["", "each shard alone (slowest)", ...cells(latency.slowestShardAlone)]),
    row(["", "alone / single", "", times(ratio.aloneMedian), ""]),
  ];
}

function sizeLine(sizes: ShardsBenchResults["sizes"]["single"]): string {
  return sizes.filter((size) => ["product", "product_tag_ids", "product_tag", "product_tag_pkey"].includes(size.name)).map((size) => `${size.name} ${mebibytes(size.bytes)}`).join(", ");
}

const WIDTHS = [8, 30, 5, 11, 11];
const row = (cells: readonly string[]) => cells.map((cell, index) => (index < 2 ? cell.padEnd(WIDTHS[index]!) : cell.padStart(WIDTHS[index]!))).join(" ");
const cells = (latency: LatencySummary) => [String(latency.samples), ms(latency.medianMs), ms(latency.p95Ms)];
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const times = (ratio: number) => `${ratio.toFixed(2)}x`;
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;
const mebibytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const count = (value: number) => value.toLocaleString("en-US");

// Last: the report's helpers above are constants, initialised only once the module has run this far.
const progress = (message: string) => console.error(`[bench:shards] ${message}`);
const workloads: WorkloadName[] = env.BENCH_WORKLOAD === "all" ? [...WORKLOAD_NAMES] : [env.BENCH_WORKLOAD];
for (const workload of workloads) {
  progress(`${workload} workload`);
  const results = await runShardsBench(
    {
      databaseUrl: env.BENCH_DATABASE_URL,
      products: env.BENCH_SHARDS_PRODUCTS,
      shards: env.BENCH_SHARDS,
      queries: env.BENCH_QUERIES,
      seed: env.BENCH_SEED,
      workload,
      limit: 10,
    },
    progress,
  );
  console.log(report(results));
  const name = `shards-${workload}-latest.json`;
  const file = new URL(`./results/${name}`, import.meta.url);
  await mkdir(new URL(".", file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  progress(`results written to bench/results/${name}`);
  // A merged answer that differs from the single database's means the sharded top k is not exact.
  if (results.all.mismatches > 0) process.exitCode = 1;
}
