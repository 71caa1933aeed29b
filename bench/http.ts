/**
 * `npm run bench:http`: read throughput over real HTTP (autocannon).
 * - BENCH_HTTP_MODE=read (the default, issue 12): `{ __typename }`,
 *   `product(id)`, `products(first: 20)` at the head and deep in the cursor,
 *   `search` with popular and rare words and `similarProducts` on one app,
 *   each as a ratio to `{ __typename }`, and the gateway tax of `search` and
 *   `similarProducts` against the same SQL sent straight through `pg`;
 * - BENCH_HTTP_MODE=auth (issue 11): `products(first: 20)` and `search` with
 *   auth, limits and rate limiting on against them off.
 * Both then hold idle subscribers. See README.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { runHttpBench, type HttpBenchResults } from "./http-bench.js";
import { runHttpReadBench, seedSeconds, type HttpReadBenchResults } from "./http-read-bench.js";

const env = z
  .object({
    BENCH_HTTP_MODE: z.enum(["read", "auth"]).default("read"),
    BENCH_HTTP_PRODUCTS: z.coerce.number().int().min(50).default(5_000),
    BENCH_HTTP_DURATION: z.coerce.number().positive().default(10),
    BENCH_HTTP_WARMUP: z.coerce.number().positive().default(5),
    BENCH_HTTP_ROUNDS: z.coerce.number().int().min(1).default(4),
    BENCH_HTTP_CONNECTIONS: z.coerce.number().int().min(1).optional(),
    BENCH_HTTP_SEARCHES: z.coerce.number().int().min(1).max(1_000).default(100),
    BENCH_HTTP_DISTINCT: z.coerce.number().int().min(1).max(2_500).default(2_000),
    BENCH_HTTP_ZIPF: z.coerce.number().min(0).max(3).default(1),
    BENCH_HTTP_READS: z.string().optional(),
    BENCH_HTTP_CPU_PROF_DIR: z.string().optional(),
    BENCH_HTTP_RESPONSE_CACHE: z.enum(["true", "false"]).default("true"),
    BENCH_HTTP_SUBSCRIBERS: z.coerce.number().int().min(0).max(15_000).default(10_000),
    BENCH_SEED: z.coerce.number().int().default(42),
    BENCH_DATABASE_URL: z.url().optional(),
  })
  .parse(process.env);

const progress = (message: string) => console.error(`[bench:http] ${message}`);
const common = {
  databaseUrl: env.BENCH_DATABASE_URL,
  products: env.BENCH_HTTP_PRODUCTS,
  seed: env.BENCH_SEED,
  duration: env.BENCH_HTTP_DURATION,
  warmup: env.BENCH_HTTP_WARMUP,
  rounds: env.BENCH_HTTP_ROUNDS,
  subscribers: env.BENCH_HTTP_SUBSCRIBERS,
};
let output: { text: string; json: unknown; file: string; clean: boolean };
if (env.BENCH_HTTP_MODE === "read") {
  const results = await runHttpReadBench(
    {
      ...common,
      connections: env.BENCH_HTTP_CONNECTIONS ?? 50,
      distinct: env.BENCH_HTTP_DISTINCT,
      zipf: env.BENCH_HTTP_ZIPF,
      reads: env.BENCH_HTTP_READS?.split(",").map((read) => read.trim()).filter(Boolean),
      responseCache: env.BENCH_HTTP_RESPONSE_CACHE === "true",
      cpuProfileDir: env.BENCH_HTTP_CPU_PROF_DIR ? path.resolve(env.BENCH_HTTP_CPU_PROF_DIR) : undefined,
    },
    progress,
  );
  output = { text: readReport(results), json: results, file: "http-latest.json", clean: results.clean };
} else {
  const results = await runHttpBench({ ...common, connections: env.BENCH_HTTP_CONNECTIONS ?? 20, searches: env.BENCH_HTTP_SEARCHES }, progress);
  output = { text: report(results), json: results, file: "http-auth-latest.json", clean: results.clean && results.anonymousStatusWithAuth === 401 };
}
console.log(output.text);
const file = new URL(`./results/${output.file}`, import.meta.url);
await mkdir(new URL(".", file), { recursive: true });
await writeFile(file, `${JSON.stringify(output.json, null, 2)}\n`);
progress(`results written to bench/results/${output.file}`);
// A run with refusals or failed requests measured something else than the read path: it fails.
if (!output.clean) process.exitCode = 1;

function cpuPerRequest(result: HttpBenchResults["workloads"][number]["configurations"][number]): string {
  const { app, postgres } = result.cpuMsPerRequest;
  return app === null || postgres === null ? "not read" : `${(app + postgres).toFixed(2)} ms (${app.toFixed(2)} + ${postgres.toFixed(2)})`;
}

/** BENCH_HTTP_MODE=auth: the configurations side by side. */
function report(results: HttpBenchResults): string {
  const { options, catalogue } = results;
  const machine = catalogue.machine;
  const lines = [
    `bench:http: ${options.products} products, ${options.connections} connections, ${options.rounds} rounds of ${options.duration} s per configuration and query ` +
      `(after ${options.warmup} s of warm-up each), configurations alternating`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB; node ${machine.node}; PostgreSQL ${machine.postgres}; ` +
      `load ${results.loadAverage.start.join(" ")} at the start of the rounds, ${results.loadAverage.end.join(" ")} at their end`,
    `database  ${results.database}; seeded in ${seedSeconds(catalogue).toFixed(1)} s`,
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
  if (results.idleSubscribers) lines.push(idleLine(results.idleSubscribers));
  lines.push(results.clean ? "every timed request answered 2xx with data and no errors" : "SOME REQUESTS FAILED OR WERE REFUSED: the figures do not measure the read path");
  lines.push(`total ${results.totalSeconds.toFixed(0)} s`);
  return lines.join("\n");
}

function idleLine(idle: NonNullable<HttpBenchResults["idleSubscribers"]>): string {
  return (
    `idle subscribers (productAdded, on one app with auth, limits and rate limiting on): ${idle.subscribers}; app RSS ${idle.rssBeforeMiB.toFixed(0)} -> ${idle.rssAfterMiB.toFixed(0)} MiB, ` +
    `${idle.rssPerSubscriberKiB.toFixed(1)} KiB per subscriber (target <= 50); one event reached the first in ${idle.fanOutFirstMs.toFixed(0)} ms, ` +
    `all in ${idle.fanOutLastMs.toFixed(0)} ms (target <= 1000); ${idle.failures} arrived as errors`
  );
}

function metOrMissed(met: boolean): string {
  return met ? "met" : "missed";
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

/** BENCH_HTTP_MODE=read: every read as a ratio to { __typename }, then the gateway tax. */
function readReport(results: HttpReadBenchResults): string {
  const { options, catalogue, targets } = results;
  const machine = catalogue.machine;
  const lines = [
    `bench:http (read path): ${options.products} products, ${options.connections} connections, ${options.rounds} rounds of ${options.duration} s per read and side ` +
      `(after ${options.warmup} s of warm-up each), the order of the reads reversed every other round`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB; node ${machine.node}; PostgreSQL ${machine.postgres}; ` +
      `load ${results.loadAverage.start.join(" ")} at the start of the rounds, ${results.loadAverage.end.join(" ")} at their end`,
    `database  ${results.database}; seeded in ${seedSeconds(catalogue).toFixed(1)} s (COPY ${(catalogue.seed.copyMs / 1000).toFixed(1)} s, ` +
      `indexes ${(catalogue.seed.indexMs / 1000).toFixed(1)} s, search documents ${(catalogue.searchDocumentsMs / 1000).toFixed(1)} s, visual index ${(catalogue.visualIndexMs / 1000).toFixed(1)} s, vacuum and checkpoint ${(catalogue.settleMs / 1000).toFixed(1)} s)`,
    `app       as npm start runs it, one process: ${Object.entries(results.app).map(([name, value]) => `${name}=${value}`).join(", ")}`,
    `streams   search and similarProducts drawn Zipf-like (exponent ${options.zipf}) from ${options.distinct} distinct requests each, seed ${options.seed}; ` +
      `"repeated" is the share of timed requests sent before in the same stream, the most a cache could hit; ` +
      (options.responseCache ? "the app's response cache is on: \"cache hits\" is its own hit rate over the timed runs, then the share sent the answer of an identical request that was running" : "the app's response cache is off (BENCH_HTTP_RESPONSE_CACHE=false)"),
    "",
    "| read | req/s | x typename | each round | p50 ms | x typename | p99 ms | x typename | errors (non-2xx, GraphQL, connection) | distinct sent, repeated | cache hits | answer |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const result of results.workloads) {
    const { graphql, toTypename, stream } = result;
    lines.push(
      `| ${result.workload} | ${graphql.requestsPerSecond.toFixed(0)} | ${toTypename.requestsPerSecond.toFixed(3)} | ${graphql.roundsRequestsPerSecond.map((value) => value.toFixed(0)).join(", ")} | ` +
        `${graphql.latency.p50.toFixed(1)} | ${toTypename.p50.toFixed(2)} | ${graphql.latency.p99.toFixed(1)} | ${toTypename.p99.toFixed(2)} | ` +
        `${graphql.non2xx + graphql.graphqlErrors + graphql.errors} (${graphql.non2xx}, ${graphql.graphqlErrors}, ${graphql.errors}) | ` +
        `${result.distinct === 1 ? "one request" : `${stream.distinct} of ${result.distinct}, ${percent(stream.repeatedShare)}`} | ${result.responseCache ? `${percent(result.responseCache.hitRate)}, shared ${percent(result.responseCache.sharedRate)}` : "off"} | ${result.probe.items} items |`,
    );
  }
  const drained = results.workloads.filter((result) => result.drainSeconds >= 0.5);
  if (drained.length > 0) {
    lines.push(
      "",
      `after the load stopped, PostgreSQL went on running statements of requests autocannon had given up on (each next run waited for them): ` +
        drained.map((result) => `${result.workload} ${result.drainSeconds.toFixed(1)} s`).join(", "),
    );
  }
  lines.push(
    "",
    `gateway tax: the same SQL statements (captured from a capture app, one request at a time) sent by ${options.connections} closed-loop clients ` +
      `through a pg.Pool of ${results.replay.connections} connections, kept open, with rankings in a line of ${results.replay.rankingSlots} (refused after ${results.replay.queueTimeoutMs} ms), ` +
      `as the app's; same streams, same durations, alternating with GraphQL`,
    "",
    "| read | GraphQL req/s | pg req/s | GraphQL / pg | each round | GraphQL p99 ms | pg p50, p99 ms | pg errors | statements per request | PostgreSQL CPU ms per request, GraphQL / pg | target |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const result of results.workloads) {
    const tax = result.gatewayTax;
    if (!tax) continue;
    const pgCpu = (side: typeof tax.pg) => side.cpuMsPerRequest.postgres?.toFixed(2) ?? "not read";
    lines.push(
      `| ${result.workload} | ${result.graphql.requestsPerSecond.toFixed(0)} | ${tax.pg.requestsPerSecond.toFixed(0)} | ${tax.ratio.toFixed(3)} | ` +
        `${tax.rounds.map((value) => value.toFixed(2)).join(", ")} | ${result.graphql.latency.p99.toFixed(1)} | ${tax.pg.latency.p50.toFixed(1)}, ${tax.pg.latency.p99.toFixed(1)} | ${tax.pg.errors} | ` +
        `${tax.capture.statementsPerRequest.mean.toFixed(1)} (${tax.capture.statementsPerRequest.min}-${tax.capture.statementsPerRequest.max}) | ` +
        `${pgCpu(result.graphql)} / ${pgCpu(tax.pg)} | ratio ${metOrMissed(tax.met.ratio)}, p99 ${metOrMissed(tax.met.p99)} |`,
    );
  }
  lines.push("");
  for (const result of results.workloads) {
    if (!result.gatewayTax) continue;
    const { capture } = result.gatewayTax;
    lines.push(
      `${result.workload}: ${capture.withItems} of ${result.distinct} distinct requests found something; ${capture.distinctTexts} distinct statement texts; captured in ${(capture.ms / 1000).toFixed(1)} s`,
    );
  }
  lines.push(
    `target gateway tax (GraphQL >= ${targets.gatewayRatio} x pg and p99 <= ${targets.gatewayP99Ms} ms, search and similarProducts): ${metOrMissed(targets.gatewayMet)}`,
    `target throughput (products(first: 20) >= ${targets.productsPerSecond} req/s head and deep, product(id) >= ${targets.productPerSecond} req/s; meant for 2 cores shared with PostgreSQL): ` +
      `${metOrMissed(targets.throughputMet)} (${results.workloads.filter((result) => result.target).map((result) => `${result.workload} ${metOrMissed(result.target!.met)}`).join(", ")})`,
  );
  if (results.idleSubscribers) lines.push(idleLine(results.idleSubscribers));
  lines.push(results.clean ? "every timed request answered 2xx with data and no errors, and no statement sent through pg failed" : "SOME REQUESTS FAILED OR WERE REFUSED: the figures do not measure the read path");
  lines.push(`total ${results.totalSeconds.toFixed(0)} s`);
  return lines.join("\n");
}
