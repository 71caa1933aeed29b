/**
 * bench:http's default mode (issue 12): the read path at frontend scale.
 * One app, as `npm start` runs it, on a seeded catalogue; autocannon drives
 * each read in turn, and each is reported as a ratio to `{ __typename }` of
 * the same run. For `search` and `similarProducts`, the same SQL statements
 * are also sent straight through `pg` (the gateway tax). See README.md.
 */
import os from "node:os";
import pg from "pg";
import { responseCacheCounts } from "../test/support/metrics.js";
import { startBenchApp, type BenchApp } from "./bench-app.js";
import { provisionBenchDatabase } from "./bench-database.js";
import {
  benchConfigurations,
  commonEnv,
  createReadKey,
  holdSubscribers,
  pool,
  probe,
  PRODUCTS_QUERY,
  rounded,
  SEARCH_QUERY,
  startCpuReading,
  type ConfigurationResult,
  type Probe,
  type HttpBenchRunOptions,
  type RunCpu,
} from "./http-bench.js";
import { captureStatements, type Capture } from "./http-capture.js";
import { seedHttpCatalogue, type HttpCatalogue } from "./http-catalogue.js";
import { runLoad, type LoadRun } from "./http-load.js";
import { replayRequest, runReplay, type ReplayRequest } from "./http-pg-replay.js";
import { drawSequence, popularSearches, rareSearches, RequestStream, sampleCatalogue } from "./http-queries.js";
import type { IdleSubscribersResult } from "./idle-subscribers.js";
import { loadConfig } from "../src/config.js";
import { REQUEST_SESSION_OPTIONS } from "../src/db/orm.js";
import { RankingGate } from "../src/search/ranking-gate.js";
import { prewarmReadPath } from "./prewarm.js";

export interface HttpReadBenchOptions extends HttpBenchRunOptions {
  /** Distinct queries of each search workload, and distinct products of similarProducts. */
  distinct: number;
  /** Exponent of the Zipf law the search and similarProducts requests are drawn by (weight 1 / rank^exponent). */
  zipf: number;
  /** Idle productAdded subscribers held after the rounds, on an app with auth, limits and rate limiting on (0: none). */
  subscribers: number;
  /** Only the reads whose names contain one of these (`{ __typename }`, the baseline, always runs); empty: every read. */
  reads?: readonly string[];
  /** The app's response cache (RESPONSE_CACHE); the capture app runs without it, so every statement is seen. */
  responseCache: boolean;
  /** Where the app under load writes its CPU profile (node --cpu-prof) when it stops; unset: not profiled. */
  cpuProfileDir?: string;
}

/** Products asked for by id (uniformly), and deep cursors (uniform depths). */
const PRODUCT_IDS = 10_000;
const DEEP_CURSORS = 1_000;
/** Draws per request stream: longer than any run takes, so a stream seldom wraps around. */
const STREAM_LENGTH = 200_000;

/** Issue 12's targets, reported as met or missed, never asserted. */
export const READ_TARGETS = {
  /** GraphQL throughput of search and similarProducts over the same statements' through pg. */
  gatewayRatio: 0.7,
  gatewayP99Ms: 250,
  /** req/s, on 2 cores with the app and PostgreSQL sharing them. */
  productsPerSecond: 1_000,
  productPerSecond: 1_500,
} as const;

const TYPENAME_QUERY = "{ __typename }";

const PRODUCT_QUERY = `query Product($id: ID!) {
  product(id: $id) { id sourceUrl tags caption createdAt }
}`;

const DEEP_PRODUCTS_QUERY = `query Products($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    edges { cursor node { id sourceUrl tags caption createdAt photos { id url width height mimeType } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const SIMILAR_QUERY = `query Similar($productId: ID!, $limit: Int!) {
  similarProducts(productId: $productId, limit: $limit) {
    score matchedTags
    product { id sourceUrl tags caption photos { id url } }
  }
}`;

interface ReadWorkload {
  name: string;
  description: string;
  stream: RequestStream;
  /** The Zipf exponent the stream was drawn with; null when uniform (or one request). */
  zipf: number | null;
  /** Whether the same statements are also sent through pg. */
  gatewayTax: boolean;
  /** Issue 12's throughput target for this read, if it has one. */
  target: number | null;
}

/** Where the drawn requests of one side fell: the most a cache could have answered. */
export interface StreamSpan {
  /** Requests sent in the timed runs. */
  requests: number;
  /** Distinct requests among them. */
  distinct: number;
  /** Of them, the share sent before in the same stream (warm-up and earlier rounds included): an unbounded cache's hit rate at most. */
  repeatedShare: number;
}

export interface ReadWorkloadResult {
  workload: string;
  description: string;
  /** Distinct requests the stream draws from. */
  distinct: number;
  zipf: number | null;
  probe: Probe;
  graphql: ConfigurationResult;
  stream: StreamSpan;
  /** This read over `{ __typename }` in the same run: throughput, and median and p99 latency. */
  toTypename: { requestsPerSecond: number; p50: number; p99: number };
  target: { requestsPerSecond: number; met: boolean } | null;
  gatewayTax: GatewayTax | null;
  /**
   * How long PostgreSQL kept running this read's statements after its timed
   * GraphQL runs stopped (requests autocannon gave up on), in total: the next
   * run starts only once they are done, so it is measured alone.
   */
  drainSeconds: number;
  /** The app's response cache over the timed runs (its counter read around each): answered from the cache, sent an identical running request's answer, executed; null when it is off. */
  responseCache: { hits: number; shared: number; misses: number; hitRate: number; sharedRate: number } | null;
}

export interface GatewayTax {
  /**
   * The same statements, sent by `connections` closed-loop clients through a pg.Pool and a line like the app's (HttpReadBenchResults.replay).
   * Its cpuMsPerRequest.app is the bench's own process (the pg client), as the app's is on the GraphQL side.
   */
  pg: ConfigurationResult;
  stream: StreamSpan;
  capture: Omit<Capture, "requests">;
  /** GraphQL req/s over pg's, pooled and round by round. */
  ratio: number;
  rounds: number[];
  met: { ratio: boolean; p99: boolean };
}

export interface HttpReadBenchResults {
  benchmark: "http-read-path";
  generatedAt: string;
  options: Omit<HttpReadBenchOptions, "databaseUrl">;
  database: string;
  catalogue: HttpCatalogue;
  /** The app's settings (the ones the bench sets). */
  app: Record<string, string>;
  loadAverage: { start: number[]; end: number[] };
  workloads: ReadWorkloadResult[];
  targets: typeof READ_TARGETS & { gatewayMet: boolean; throughputMet: boolean };
  idleSubscribers: IdleSubscribersResult | null;
  /** The pg replay's pool and line, the app's own: its DATABASE_POOL_MAX, SEARCH_CONCURRENCY and SEARCH_QUEUE_TIMEOUT_MS. */
  replay: { connections: number; rankingSlots: number; queueTimeoutMs: number };
  /** Every timed request answered 2xx with data and no errors (or, through pg, without an error), and no subscriber got an error. */
  clean: boolean;
  totalSeconds: number;
}

/** The app under load: production settings, reads without a key and without rate limiting (the query limits stay on, as in production). */
function readAppEnv(responseCache: boolean): Record<string, string> {
  return { AUTH: "off", RATE_LIMIT: "false", RESPONSE_CACHE: String(responseCache) };
}


function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables ? { query, variables } : { query });
}

function readWorkloads(options: HttpReadBenchOptions, productIds: readonly string[], deepCursors: ReadonlyArray<{ cursor: string }>): ReadWorkload[] {
  const stream = (bodies: readonly string[], number: number, zipf: number) =>
    new RequestStream(bodies, drawSequence(bodies.length, bodies.length === 1 ? 1 : STREAM_LENGTH, options.seed * 1_000 + number, zipf));
  const similarIds = productIds.slice(0, options.distinct);
  return [
    {
      name: "{ __typename }",
      description: "the framework's ceiling: no resolver, no SQL",
      stream: stream([body(TYPENAME_QUERY)], 0, 0),
      zipf: null,
      gatewayTax: false,
      target: null,
    },
    {
      name: "product(id)",
      description: `one product card (id sourceUrl tags caption createdAt), ${productIds.length} products drawn uniformly`,
      stream: stream(productIds.map((id) => body(PRODUCT_QUERY, { id })), 1, 0),
      zipf: null,
      gatewayTax: false,
      target: READ_TARGETS.productPerSecond,
    },
    {
      name: "products(first: 20) head",
      description: "the catalogue's first page: 20 products with their tags and photos",
      stream: stream([body(PRODUCTS_QUERY, { first: 20 })], 2, 0),
      zipf: null,
      gatewayTax: false,
      target: READ_TARGETS.productsPerSecond,
    },
    {
      name: "products(first: 20) deep",
      description: `a page after the cursor of a product at a random depth (${deepCursors.length} cursors drawn uniformly), with tags and photos`,
      stream: stream(deepCursors.map(({ cursor }) => body(DEEP_PRODUCTS_QUERY, { first: 20, after: cursor })), 3, 0),
      zipf: null,
      gatewayTax: false,
      target: READ_TARGETS.productsPerSecond,
    },
    {
      name: "search popular",
      description: `search(limit: 20) with common words ("colour object" from the heads), ${options.distinct} distinct queries drawn Zipf-like`,
      stream: stream(popularSearches(options.distinct).map((query) => body(SEARCH_QUERY, { query, limit: 20 })), 4, options.zipf),
      zipf: options.zipf,
      gatewayTax: true,
      target: null,
    },
    {
      name: "search rare",
      description: `search(limit: 20) with rare words (tail OCR words, tail colour and object), ${options.distinct} distinct queries drawn Zipf-like`,
      stream: stream(rareSearches(options.distinct, options.seed).map((query) => body(SEARCH_QUERY, { query, limit: 20 })), 5, options.zipf),
      zipf: options.zipf,
      gatewayTax: true,
      target: null,
    },
    {
      name: "similarProducts(limit: 10)",
      description: `products like one of ${similarIds.length} products (HYBRID, the default), drawn Zipf-like`,
      stream: stream(similarIds.map((productId) => body(SIMILAR_QUERY, { productId, limit: 10 })), 6, options.zipf),
      zipf: options.zipf,
      gatewayTax: true,
      target: null,
    },
  ];
}

type Side = "graphql" | "pg";

/**
 * `npm run bench:http` (BENCH_HTTP_MODE=read, the default), as a function
 * (the smoke test runs it for a second).
 */
export async function runHttpReadBench(options: HttpReadBenchOptions, progress: (message: string) => void = () => {}): Promise<HttpReadBenchResults> {
  const started = performance.now();
  progress(options.databaseUrl ? "creating a fresh database on BENCH_DATABASE_URL" : "starting embedded PostgreSQL");
  const database = await provisionBenchDatabase(options.databaseUrl);
  let app: BenchApp | null = null;
  let pgPool: pg.Pool | null = null;
  try {
    progress(`seeding ${options.products} products (with photos), then their search documents`);
    const catalogue = await seedHttpCatalogue(database.url, options.products, options.seed);
    progress(`seeded in ${(seedSeconds(catalogue)).toFixed(1)} s; drawing products and cursors`);
    const sample = await sampleCatalogue(database.url, options.products, PRODUCT_IDS, DEEP_CURSORS, options.seed);
    const workloads = readWorkloads(options, sample.productIds, sample.deepCursors).filter(
      (workload, index) => index === 0 || !options.reads?.length || options.reads.some((read) => workload.name.includes(read)),
    );
    const appEnv = { ...commonEnv(database.url), ...readAppEnv(options.responseCache) };
    // The replay has the app's own pool and line: as many connections (DATABASE_POOL_MAX), and rankings waiting in a line of the same size and patience (SEARCH_CONCURRENCY, SEARCH_QUEUE_TIMEOUT_MS).
    const { poolMax, rankings } = loadConfig(appEnv).database;

    // The gateway tax's statements, from a capture app of their own, before the app under load starts.
    const taxed = workloads.filter((workload) => workload.gatewayTax);
    progress(`capturing the SQL of every distinct request of ${taxed.map((workload) => workload.name).join(", ")}`);
    const captures = await captureStatements({ ...appEnv, RESPONSE_CACHE: "false" }, new Map(taxed.map((workload) => [workload.name, workload.stream.bodies])), progress);
    const replays = new Map(taxed.map((workload) => [workload.name, captures.get(workload.name)!.requests.map(replayRequest)]));
    const pgStreams = new Map(taxed.map((workload) => [workload.name, workload.stream.fork()]));

    progress("loading what the reads touch into PostgreSQL's buffers (pg_prewarm)");
    const prewarmMs = await prewarmReadPath(database.url);
    progress(`prewarmed in ${(prewarmMs / 1000).toFixed(1)} s; starting the app (NODE_ENV=production, AUTH=off, RATE_LIMIT=false)`);
    app = await startBenchApp("http-read", appEnv, options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []);
    const url = `${app.url}/graphql`;
    const probes = new Map<string, Probe>();
    for (const workload of workloads) probes.set(workload.name, await probe({ url, headers: {} }, workload.stream.bodies[0]!));
    // With the session settings of the app's requests' pool, so both sides plan the statements alike.
    // Kept open, as the app's requests' pool keeps its own: a reopened backend would start with cold shared-buffer mappings (src/db/orm.ts).
    pgPool = new pg.Pool({ connectionString: database.url, max: poolMax, idleTimeoutMillis: 0, options: REQUEST_SESSION_OPTIONS });

    const key = (workload: ReadWorkload, side: Side) => `${workload.name}\0${side}`;
    const sidesOf = (workload: ReadWorkload, round: number): Side[] => (!workload.gatewayTax ? ["graphql"] : round % 2 === 0 ? ["graphql", "pg"] : ["pg", "graphql"]);
    const streamOf = (workload: ReadWorkload, side: Side) => (side === "graphql" ? workload.stream : pgStreams.get(workload.name)!);
    const run = (workload: ReadWorkload, side: Side, duration: number): Promise<LoadRun> => {
      if (side === "graphql") return runLoad(url, {}, { name: workload.name, bodies: [], next: () => workload.stream.next() }, { connections: options.connections, duration });
      const stream = pgStreams.get(workload.name)!;
      const requests = replays.get(workload.name)!;
      return runReplay(pgPool!, (): ReplayRequest => requests[stream.nextIndex()]!, { duration, clients: options.connections, line: new RankingGate(rankings.slots, rankings.maxWaitMs) });
    };

    const warmups = new Map<string, LoadRun>();
    for (const workload of workloads) {
      for (const side of sidesOf(workload, 0)) {
        progress(`warm-up: ${workload.name}${side === "pg" ? " through pg" : ""}, ${options.warmup} s`);
        warmups.set(key(workload, side), await run(workload, side, options.warmup));
        await drainDatabase(pgPool);
      }
    }

    const runs = new Map<string, LoadRun[]>();
    const cpuRuns = new Map<string, RunCpu[]>();
    const spans = new Map<string, Array<[number, number]>>();
    const cached = new Map<string, { hit: number; shared: number; miss: number }>();
    const drained = new Map<string, number>();
    const loadStart = os.loadavg();
    for (let round = 0; round < options.rounds; round++) {
      // Forwards, then backwards: a drift in the machine's load over the run falls on every read alike.
      const order = round % 2 === 0 ? workloads : [...workloads].reverse();
      for (const workload of order) {
        for (const side of sidesOf(workload, round)) {
          const k = key(workload, side);
          const cpu = await startCpuReading(side === "graphql" ? app.child.pid! : process.pid, database.postmasterPid);
          const from = streamOf(workload, side).position;
          const countsBefore = side === "graphql" && options.responseCache ? await responseCacheCounts(app.url) : null;
          const result = await run(workload, side, options.duration);
          if (countsBefore) {
            const countsAfter = await responseCacheCounts(app.url);
            const total = cached.get(workload.name) ?? { hit: 0, shared: 0, miss: 0 };
            cached.set(workload.name, {
              hit: total.hit + countsAfter.hit - countsBefore.hit,
              shared: total.shared + countsAfter.shared - countsBefore.shared,
              miss: total.miss + countsAfter.miss - countsBefore.miss,
            });
          }
          spans.set(k, [...(spans.get(k) ?? []), [from, streamOf(workload, side).position]]);
          const drainMs = await drainDatabase(pgPool);
          drained.set(workload.name, (drained.get(workload.name) ?? 0) + (side === "graphql" ? drainMs : 0));
          cpuRuns.set(k, [...(cpuRuns.get(k) ?? []), await cpu.stop()]);
          runs.set(k, [...(runs.get(k) ?? []), result]);
          progress(
            `round ${round + 1}/${options.rounds}: ${workload.name}${side === "pg" ? " through pg" : ""}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
              `p99 ${result.latency.p99.toFixed(1)} ms, non-2xx ${result.non2xx}, GraphQL errors ${result.graphqlErrors}, errors ${result.errors}`,
          );
        }
      }
    }
    const loadEnd = os.loadavg();
    await pgPool.end();
    pgPool = null;

    const pooled = (workload: ReadWorkload, side: Side) => {
      const k = key(workload, side);
      return pool(side, runs.get(k) ?? [], warmups.get(k)!, cpuRuns.get(k) ?? []);
    };
    const spanOf = (workload: ReadWorkload, side: Side): StreamSpan => {
      const stream = streamOf(workload, side);
      const totals = (spans.get(key(workload, side)) ?? []).map(([from, to]) => stream.span(from, to));
      const requests = totals.reduce((total, span) => total + span.requests, 0);
      const distinct = new Set((spans.get(key(workload, side)) ?? []).flatMap(([from, to]) => stream.indexes(from, to))).size;
      return { requests, distinct, repeatedShare: requests > 0 ? totals.reduce((total, span) => total + span.repeated, 0) / requests : 0 };
    };
    const typename = pooled(workloads[0]!, "graphql");
    const workloadResults = workloads.map((workload): ReadWorkloadResult => {
      const graphql = workload === workloads[0] ? typename : pooled(workload, "graphql");
      let gatewayTax: GatewayTax | null = null;
      if (workload.gatewayTax) {
        const viaPg = pooled(workload, "pg");
        const { requests: _requests, ...capture } = captures.get(workload.name)!;
        const ratio = graphql.requestsPerSecond / viaPg.requestsPerSecond;
        gatewayTax = {
          pg: viaPg,
          stream: spanOf(workload, "pg"),
          capture,
          ratio,
          rounds: graphql.roundsRequestsPerSecond.map((value, round) => value / viaPg.roundsRequestsPerSecond[round]!),
          met: { ratio: ratio >= READ_TARGETS.gatewayRatio, p99: graphql.latency.p99 <= READ_TARGETS.gatewayP99Ms },
        };
      }
      return {
        workload: workload.name,
        description: workload.description,
        distinct: workload.stream.bodies.length,
        zipf: workload.zipf,
        probe: probes.get(workload.name)!,
        graphql,
        stream: spanOf(workload, "graphql"),
        toTypename: {
          requestsPerSecond: graphql.requestsPerSecond / typename.requestsPerSecond,
          p50: graphql.latency.p50 / typename.latency.p50,
          p99: graphql.latency.p99 / typename.latency.p99,
        },
        target: workload.target === null ? null : { requestsPerSecond: workload.target, met: graphql.requestsPerSecond >= workload.target },
        gatewayTax,
        drainSeconds: (drained.get(workload.name) ?? 0) / 1000,
        responseCache: cacheResult(cached.get(workload.name)),
      };
    });

    // Idle subscribers (part 4) as before: on an app with auth, limits and rate limiting on, the read app stopped first.
    let idleSubscribers: IdleSubscribersResult | null = null;
    if (options.subscribers > 0) {
      await app.stop();
      app = null;
      const withAuth = benchConfigurations().find((configuration) => configuration.name === "on")!;
      const token = await createReadKey(database.url);
      progress(`starting an app with ${withAuth.description} for the idle subscribers`);
      app = await startBenchApp("http-subscribers", { ...commonEnv(database.url), ...withAuth.env });
      idleSubscribers = await holdSubscribers(app, database.url, token, options.subscribers, progress);
    }

    const clean =
      workloadResults.every((result) =>
        [result.graphql, ...(result.gatewayTax ? [result.gatewayTax.pg] : [])].every(
          (side) => side.responses > 0 && side.non2xx === 0 && side.graphqlErrors === 0 && side.errors === 0,
        ),
      ) && (idleSubscribers?.failures ?? 0) === 0;
    const taxedResults = workloadResults.filter((result) => result.gatewayTax);
    const targeted = workloadResults.filter((result) => result.target);
    return {
      benchmark: "http-read-path",
      generatedAt: new Date().toISOString(),
      options: {
        products: options.products,
        seed: options.seed,
        duration: options.duration,
        warmup: options.warmup,
        rounds: options.rounds,
        connections: options.connections,
        distinct: options.distinct,
        zipf: options.zipf,
        subscribers: options.subscribers,
        responseCache: options.responseCache,
      },
      database: database.description,
      catalogue,
      app: Object.fromEntries(Object.entries(appEnv).filter(([name]) => name !== "DATABASE_URL")),
      loadAverage: { start: rounded(loadStart), end: rounded(loadEnd) },
      workloads: workloadResults,
      targets: {
        ...READ_TARGETS,
        gatewayMet: taxedResults.every((result) => result.gatewayTax!.met.ratio && result.gatewayTax!.met.p99),
        throughputMet: targeted.every((result) => result.target!.met),
      },
      idleSubscribers,
      replay: { connections: poolMax, rankingSlots: rankings.slots, queueTimeoutMs: rankings.maxWaitMs },
      clean,
      totalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pgPool?.end().catch(() => {});
    await app?.stop().catch(() => {});
    await database.dispose();
  }
}

/** Active statements of other sessions on the bench's database. */
async function activeStatements(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ active: number }>(
    "select count(*)::int as active from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid()",
  );
  return rows[0]!.active;
}

/**
 * Waits (up to DRAIN_LIMIT_MS) until no statement runs on the database: a
 * request autocannon gave up on leaves its statements running, and they
 * would eat into the next run. Returns how long that took.
 */
async function drainDatabase(pool: pg.Pool): Promise<number> {
  const started = performance.now();
  while ((await activeStatements(pool)) > 0 && performance.now() - started < DRAIN_LIMIT_MS) await new Promise((resolve) => setTimeout(resolve, 100));
  return performance.now() - started;
}

const DRAIN_LIMIT_MS = 120_000;

function cacheResult(counts: { hit: number; shared: number; miss: number } | undefined): ReadWorkloadResult["responseCache"] {
  if (!counts) return null;
  const total = counts.hit + counts.shared + counts.miss;
  const share = (count: number) => (total > 0 ? count / total : 0);
  return { hits: counts.hit, shared: counts.shared, misses: counts.miss, hitRate: share(counts.hit), sharedRate: share(counts.shared) };
}

export function seedSeconds(catalogue: HttpCatalogue): number {
  const { seed } = catalogue;
  return (seed.copyMs + seed.indexMs + seed.countsMs + seed.vacuumAnalyzeMs + catalogue.searchDocumentsMs + catalogue.visualIndexMs + catalogue.settleMs) / 1000;
}
