/**
 * `npm run bench:http`: read throughput over real HTTP (autocannon) of
 * `products(first: 20)` and `search`, with auth, limits and rate limiting on
 * against them off, in the same run, on the same seeded database. See
 * README.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { z } from "zod";
import { runHttpBench, type HttpBenchResults } from "./http-bench.js";

const env = z
  .object({
    BENCH_HTTP_PRODUCTS: z.coerce.number().int().min(20).default(5_000),
    BENCH_HTTP_DURATION: z.coerce.number().positive().default(10),
    BENCH_HTTP_WARMUP: z.coerce.number().positive().default(5),
    BENCH_HTTP_ROUNDS: z.coerce.number().int().min(1).default(4),
    BENCH_HTTP_CONNECTIONS: z.coerce.number().int().min(1).default(20),
    BENCH_HTTP_SEARCHES: z.coerce.number().int().min(1).max(1_000).default(100),
    BENCH_HTTP_SUBSCRIBERS: z.coerce.number().int().min(0).max(15_000).default(10_000),
    BENCH_SEED: z.coerce.number().int().default(42),
    BENCH_DATABASE_URL: z.url().optional(),
  })
  .parse(process.env);

const progress = (message: string) => console.error(`[bench:http] ${message}`);
const results = await runHttpBench(
  {
    databaseUrl: env.BENCH_DATABASE_URL,
    products: env.BENCH_HTTP_PRODUCTS,
    seed: env.BENCH_SEED,
    duration: env.BENCH_HTTP_DURATION,
    warmup: env.BENCH_HTTP_WARMUP,
    rounds: env.BENCH_HTTP_ROUNDS,
    connections: env.BENCH_HTTP_CONNECTIONS,
    searches: env.BENCH_HTTP_SEARCHES,
    subscribers: env.BENCH_HTTP_SUBSCRIBERS,
  },
  progress,
);
console.log(report(results));
const file = new URL("./results/http-latest.json", import.meta.url);
await mkdir(new URL(".", file), { recursive: true });
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
progress("results written to bench/results/http-latest.json");
// A run with refusals or failed requests measured something else than the read path: it fails.
if (!results.clean || results.anonymousStatusWithAuth !== 401) process.exitCode = 1;

function cpuPerRequest(result: HttpBenchResults["workloads"][number]["configurations"][number]): string {
  const { app, postgres } = result.cpuMsPerRequest;
  return app === null || postgres === null ? "not read" : `${(app + postgres).toFixed(2)} ms (${app.toFixed(2)} + ${postgres.toFixed(2)})`;
}

function report(results: HttpBenchResults): string {
  const { options, catalogue } = results;
  const machine = catalogue.machine;
  const lines = [
    `bench:http: ${options.products} products, ${options.connections} connections, ${options.rounds} rounds of ${options.duration} s per configuration and query ` +
      `(after ${options.warmup} s of warm-up each), configurations alternating`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB; node ${machine.node}; PostgreSQL ${machine.postgres}; ` +
      `load ${results.loadAverage.start.join(" ")} at the start of the rounds, ${results.loadAverage.end.join(" ")} at their end`,
    `database  ${results.database}; seeded in ${((catalogue.seed.copyMs + catalogue.seed.indexMs + catalogue.seed.countsMs + catalogue.seed.vacuumAnalyzeMs + catalogue.searchDocumentsMs) / 1000).toFixed(1)} s`,
    ...results.configurations.map((configuration) => `${configuration.name.padEnd(9)} ${configuration.description}`),
    `without a key, the app with auth answers ${results.anonymousStatusWithAuth ?? "(not asked)"}`,
    "",
    "| query | configuration | req/s | each round | p50 ms | p97.5 ms | p99 ms | non-2xx | GraphQL errors | errors (timeouts) | cost requested, remaining |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const workload of results.workloads) {
    for (const result of workload.configurations) {
      const probe = workload.probes[result.configuration];
      const cost = probe?.cost ? `${probe.cost.requested}, ${probe.cost.remaining} of ${probe.cost.maximum}` : "-";
      lines.push(
        `| ${workload.workload} | ${result.configuration} | ${result.requestsPerSecond.toFixed(0)} | ${result.roundsRequestsPerSecond.map((value) => value.toFixed(0)).join(", ")} | ` +
          `${result.latency.p50.toFixed(1)} | ${result.latency.p97_5.toFixed(1)} | ${result.latency.p99.toFixed(1)} | ${result.non2xx} | ${result.graphqlErrors} | ` +
          `${result.errors} (${result.timeouts}) | ${cost} |`,
      );
    }
  }
  lines.push("");
  for (const workload of results.workloads) {
    for (const ratio of workload.ratios) {
      lines.push(
        `${workload.workload}: ${ratio.configuration} / ${workload.configurations[0]!.configuration} = ${ratio.ratio.toFixed(3)} ` +
          `(round by round ${ratio.rounds.map((value) => value.toFixed(3)).join(", ")}; target >= ${results.target.ratio}: ${ratio.ratio >= results.target.ratio ? "met" : "missed"}); ` +
          `CPU per request (app + PostgreSQL) ${cpuPerRequest(workload.configurations[0]!)} off, ${cpuPerRequest(workload.configurations.find((result) => result.configuration === ratio.configuration)!)} ${ratio.configuration}: ` +
          `off / ${ratio.configuration} = ${ratio.cpuRatio?.toFixed(3) ?? "not read"}`,
      );
    }
  }
  lines.push(`target (on >= ${results.target.ratio} x off for every query): ${results.target.met ? "met" : "missed"}`);
  const idle = results.idleSubscribers;
  if (idle) {
    lines.push(
      `idle subscribers (productAdded, on one app with auth, limits and rate limiting on): ${idle.subscribers}; app RSS ${idle.rssBeforeMiB.toFixed(0)} -> ${idle.rssAfterMiB.toFixed(0)} MiB, ` +
        `${idle.rssPerSubscriberKiB.toFixed(1)} KiB per subscriber (target <= 50); one event reached the first in ${idle.fanOutFirstMs.toFixed(0)} ms, ` +
        `all in ${idle.fanOutLastMs.toFixed(0)} ms (target <= 1000); ${idle.failures} arrived as errors`,
    );
  }
  lines.push(results.clean ? "every timed request answered 2xx with data and no errors" : "SOME REQUESTS FAILED OR WERE REFUSED: the figures do not measure the read path");
  lines.push(`total ${results.totalSeconds.toFixed(0)} s`);
  return lines.join("\n");
}
