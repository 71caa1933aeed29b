import { spawn } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { startBenchApp, type BenchApp } from "./bench-app.js";
import { provisionBenchDatabase } from "./bench-database.js";
import { cpuSnapshot, cpuSpentMs, postgresPids } from "./process-cpu.js";
import { measureIdleSubscribers, type IdleSubscribersResult } from "./idle-subscribers.js";
import { seedHttpCatalogue, searchWords, type HttpCatalogue } from "./http-catalogue.js";
import { runLoad, type HttpWorkload, type LoadRun } from "./http-load.js";

/** What both modes of bench:http are run with. */
export interface HttpBenchRunOptions {
  /** A server to create a fresh database on (its user a superuser), instead of an embedded PostgreSQL. */
  databaseUrl: string | undefined;
  products: number;
  seed: number;
  /** Seconds of each timed run: one configuration (or side) and query, in one round. */
  duration: number;
  /** Seconds of the untimed run per configuration (or side) and query before the rounds. */
  warmup: number;
  /** Rounds of timed runs, the order reversed every other round. */
  rounds: number;
  /** autocannon's connections (and, in read mode, the pg replay's clients and pool size). */
  connections: number;
}

export interface HttpBenchOptions extends HttpBenchRunOptions {
  /** Distinct search queries the search workload rotates through. */
  searches: number;
  /** Idle productAdded subscribers held on the app with auth, limits and rate limiting on, after the rounds (0: none). */
  subscribers: number;
}

/** An app process as the bench starts it: which settings, and what its requests carry. */
export interface BenchConfiguration {
  name: string;
  description: string;
  /** The settings that differ between configurations. */
  env: Record<string, string>;
}

/** The point of a configuration: its pooled runs for one query. */
export interface ConfigurationResult {
  configuration: string;
  responses: number;
  seconds: number;
  requestsPerSecond: number;
  /** Each round's requests per second, in round order. */
  roundsRequestsPerSecond: number[];
  /** Percentiles (ms) over every response of every round (nearest rank). */
  latency: { p50: number; p97_5: number; p99: number; max: number };
  non2xx: number;
  graphqlErrors: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  warmup: Omit<LoadRun, "samples">;
  /** CPU milliseconds per response over the timed rounds: the app process, and the embedded PostgreSQL's processes (null where /proc or the server cannot be read). */
  cpuMsPerRequest: { app: number | null; postgres: number | null };
}

export interface WorkloadResult {
  workload: string;
  description: string;
  /** What one request of the first body costs (extensions.cost) and returns, per configuration. */
  probes: Record<string, Probe>;
  configurations: ConfigurationResult[];
  /**
   * Requests per second of each configuration over the first (the baseline), pooled and round by round;
   * and the baseline's CPU per request over the configuration's (cpuRatio, see cpuRatio()).
   */
  ratios: Array<{ configuration: string; ratio: number; cpuRatio: number | null; rounds: number[] }>;
}

export interface Probe {
  status: number;
  /** Edges or matches in the answer (1 for a single object, 0 for a scalar). */
  items: number;
  cost: { requested: number; actual: number; maximum: number; remaining: number } | null;
}

export interface HttpBenchResults {
  benchmark: "http-read-throughput";
  generatedAt: string;
  options: Omit<HttpBenchOptions, "databaseUrl">;
  database: string;
  catalogue: HttpCatalogue;
  /** 1, 5 and 15 minute load averages at the start of the timed rounds and at their end. */
  loadAverage: { start: number[]; end: number[] };
  configurations: BenchConfiguration[];
  /** Without the key, the configuration with auth answered this status (it must refuse: 401). */
  anonymousStatusWithAuth: number | null;
  workloads: WorkloadResult[];
  /** Issue 11: with auth, limits and rate limiting on, at least this share of the throughput with them off. */
  target: { ratio: number; met: boolean };
  /** Idle subscribers on one process: memory per subscriber and one event's fan-out (idle-subscribers.ts); null when none were asked for. */
  idleSubscribers: IdleSubscribersResult | null;
  /** Every timed run answered 2xx with data and without errors, and no request failed or timed out. */
  clean: boolean;
  totalSeconds: number;
}

export const TARGET_RATIO = 0.9;
/**
 * The rate limiter's bucket, sized so that it never refuses during the run:
 * the bench measures what the limiter costs (its statements on the key's
 * bucket row, one per block of points taken ahead), not its refusals, which would falsify
 * the throughput. It refills a million points per second: a point is then
 * one microsecond of the bucket's clock (PostgreSQL's resolution), so every
 * point taken is counted exactly, and it takes over 10,000 requests per
 * second of these ~100-point queries to outrun the refill. It holds 1,000
 * seconds of refill besides.
 */
const BUCKET_REFILL_PER_SECOND = 1_000_000;
const BUCKET_POINTS = 1_000 * BUCKET_REFILL_PER_SECOND;
const GRAPHQL_MAX_COST = 1_000;

/** The app's settings under test: auth, the query limits and rate limiting, all on or all off. */
export function benchConfigurations(): BenchConfiguration[] {
  return [
    {
      name: "off",
      description: "AUTH=off, GRAPHQL_LIMITS=false, RATE_LIMIT=false; no key sent",
      env: { AUTH: "off", GRAPHQL_LIMITS: "false", RATE_LIMIT: "false" },
    },
    {
      name: "on",
      description: `AUTH=required (a key with the read scope on every request), RATE_LIMIT=true (one bucket for the key: ${BUCKET_POINTS} points, refilled ${BUCKET_REFILL_PER_SECOND}/s)`,
      env: { AUTH: "required", RATE_LIMIT: "true", RATE_LIMIT_POINTS: String(BUCKET_POINTS), RATE_LIMIT_REFILL_PER_SECOND: String(BUCKET_REFILL_PER_SECOND) },
    },
  ];
}

/** Settings every configuration shares: production mode, as it would face the internet; the database seeded by the bench. */
export function commonEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    GRAPHQL_MAX_COST: String(GRAPHQL_MAX_COST),
    // No photo is analysed: the tagger's models would only take memory and start-up time.
    LOCAL_TAGGER_PRELOAD: "false",
  };
}

export const PRODUCTS_QUERY = `query Products($first: Int!) {
  products(first: $first) {
    edges { cursor node { id sourceUrl tags caption createdAt photos { id url width height mimeType } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const SEARCH_QUERY = `query Search($query: String!, $limit: Int!) {
  search(query: $query, limit: $limit) {
    score matchedTags
    product { id sourceUrl tags caption photos { id url } }
  }
}`;

export function benchWorkloads(searches: number): Array<HttpWorkload & { description: string }> {
  return [
    {
      name: "products(first: 20)",
      description: "the catalogue's first page: 20 products with their tags and photos",
      bodies: [JSON.stringify({ query: PRODUCTS_QUERY, variables: { first: 20 } })],
    },
    {
      name: "search(limit: 20)",
      description: `search by words, ${searches} distinct queries ("colour object") in turn`,
      bodies: searchWords(searches).map((query) => JSON.stringify({ query: SEARCH_QUERY, variables: { query, limit: 20 } })),
    },
  ];
}

/**
 * `npm run bench:http`, as a function (the smoke test runs it for a second):
 * a fresh database seeded with a catalogue, one app process per
 * configuration on it (as `npm start` runs the app), then autocannon against
 * each in turn, the configurations alternating round by round.
 */
export async function runHttpBench(options: HttpBenchOptions, progress: (message: string) => void = () => {}): Promise<HttpBenchResults> {
  const started = performance.now();
  const configurations = benchConfigurations();
  const workloads = benchWorkloads(options.searches);
  progress(options.databaseUrl ? "creating a fresh database on BENCH_DATABASE_URL" : "starting embedded PostgreSQL");
  const database = await provisionBenchDatabase(options.databaseUrl);
  const apps = new Map<string, BenchApp>();
  try {
    progress(`seeding ${options.products} products (with photos), then their search documents`);
    const catalogue = await seedHttpCatalogue(database.url, options.products, options.seed);
    const token = await createReadKey(database.url);
    for (const configuration of configurations) {
      progress(`starting the app with ${configuration.description}`);
      apps.set(configuration.name, await startBenchApp(`http-${configuration.name}`, { ...commonEnv(database.url), ...configuration.env }));
    }
    const target = (name: string) => ({ url: `${apps.get(name)!.url}/graphql`, headers: headersFor(configurations.find((c) => c.name === name)!, token) });
    const anonymousStatusWithAuth = await anonymousStatus(configurations, target);

    const probes = new Map<string, Record<string, Probe>>();
    for (const workload of workloads) {
      const byConfiguration: Record<string, Probe> = {};
      for (const configuration of configurations) byConfiguration[configuration.name] = await probe(target(configuration.name), workload.bodies[0]!);
      probes.set(workload.name, byConfiguration);
    }

    const load = { connections: options.connections };
    const warmups = new Map<string, LoadRun>();
    for (const workload of workloads) {
      for (const configuration of configurations) {
        progress(`warm-up: ${workload.name}, ${configuration.name}, ${options.warmup} s`);
        const { url, headers } = target(configuration.name);
        warmups.set(`${workload.name}\0${configuration.name}`, await runLoad(url, headers, workload, { ...load, duration: options.warmup }));
      }
    }

    const runs = new Map<string, LoadRun[]>();
    const cpuRuns = new Map<string, RunCpu[]>();
    const loadStart = os.loadavg();
    for (let round = 0; round < options.rounds; round++) {
      // off, on; then on, off: a drift in the machine's load over the run falls on both alike.
      const order = round % 2 === 0 ? configurations : [...configurations].reverse();
      for (const workload of workloads) {
        for (const configuration of order) {
          const { url, headers } = target(configuration.name);
          const cpu = await startCpuReading(apps.get(configuration.name)!.child.pid!, database.postmasterPid);
          const run = await runLoad(url, headers, workload, { ...load, duration: options.duration });
          cpuRuns.set(`${workload.name}\0${configuration.name}`, [...(cpuRuns.get(`${workload.name}\0${configuration.name}`) ?? []), await cpu.stop()]);
          progress(
            `round ${round + 1}/${options.rounds}: ${workload.name}, ${configuration.name}: ${run.requestsPerSecond.toFixed(0)} req/s, ` +
              `p99 ${run.latency.p99} ms, non-2xx ${run.non2xx}, GraphQL errors ${run.graphqlErrors}, errors ${run.errors}`,
          );
          const key = `${workload.name}\0${configuration.name}`;
          runs.set(key, [...(runs.get(key) ?? []), run]);
        }
      }
    }
    const loadEnd = os.loadavg();
    const idleSubscribers = options.subscribers > 0 ? await holdSubscribers(apps.get("on")!, database.url, token, options.subscribers, progress) : null;

    const workloadResults = workloads.map((workload): WorkloadResult => {
      const results = configurations.map((configuration) => {
        const key = `${workload.name}\0${configuration.name}`;
        return pool(configuration.name, runs.get(key) ?? [], warmups.get(key)!, cpuRuns.get(key) ?? []);
      });
      const [baseline, ...others] = results;
      return {
        workload: workload.name,
        description: workload.description,
        probes: probes.get(workload.name)!,
        configurations: results,
        ratios: others.map((other) => ({
          configuration: other.configuration,
          ratio: other.requestsPerSecond / baseline!.requestsPerSecond,
          cpuRatio: cpuRatio(baseline!, other),
          rounds: other.roundsRequestsPerSecond.map((value, round) => value / baseline!.roundsRequestsPerSecond[round]!),
        })),
      };
    });
    const clean = workloadResults.every((workload) =>
      workload.configurations.every((result) => result.responses > 0 && result.non2xx === 0 && result.graphqlErrors === 0 && result.errors === 0),
    );
    return {
      benchmark: "http-read-throughput",
      generatedAt: new Date().toISOString(),
      options: {
        products: options.products,
        seed: options.seed,
        duration: options.duration,
        warmup: options.warmup,
        rounds: options.rounds,
        connections: options.connections,
        searches: options.searches,
        subscribers: options.subscribers,
      },
      database: database.description,
      catalogue,
      loadAverage: { start: rounded(loadStart), end: rounded(loadEnd) },
      configurations,
      anonymousStatusWithAuth,
      workloads: workloadResults,
      target: { ratio: TARGET_RATIO, met: workloadResults.every((workload) => workload.ratios.every((ratio) => ratio.ratio >= TARGET_RATIO)) },
      idleSubscribers,
      clean: clean && (idleSubscribers?.failures ?? 0) === 0,
      totalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const app of apps.values()) await app.stop().catch(() => {});
    await database.dispose();
  }
}

/** The idle-subscriber phase on the app as production runs it, subscribed with the bench's read key. */
export async function holdSubscribers(app: BenchApp, databaseUrl: string, token: string, subscribers: number, progress: (message: string) => void): Promise<IdleSubscribersResult> {
  const response = await fetch(`${app.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ products(first: 1) { edges { node { id } } } }" }),
  });
  const body = (await response.json()) as { data: { products: { edges: Array<{ node: { id: string } }> } } };
  return measureIdleSubscribers({
    appUrl: app.url,
    appPid: app.child.pid!,
    databaseUrl,
    apiKey: token,
    productId: body.data.products.edges[0]!.node.id,
    subscribers,
    progress,
  });
}

function headersFor(configuration: BenchConfiguration, token: string): Record<string, string> {
  return configuration.env.AUTH === "required" ? { authorization: `Bearer ${token}` } : {};
}

/** `npm run keys -- create --name bench-http --scopes read`, against the bench's database. */
export async function createReadKey(databaseUrl: string): Promise<string> {
  const entry = fileURLToPath(new URL("../src/keys.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", entry, "create", "--name", "bench-http", "--scopes", "read", "--json"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`npm run keys -- create exited with ${code}`);
  const line = output.trim().split("\n").reverse().find((candidate) => candidate.startsWith("{"));
  const token = line ? (JSON.parse(line) as { token?: unknown }).token : undefined;
  if (typeof token !== "string") throw new Error("npm run keys -- create printed no token");
  return token;
}

/** The status a request without a key gets from the configuration with auth on, or null when none has it. */
async function anonymousStatus(configurations: readonly BenchConfiguration[], target: (name: string) => { url: string }): Promise<number | null> {
  const withAuth = configurations.find((configuration) => configuration.env.AUTH === "required");
  if (!withAuth) return null;
  const response = await fetch(target(withAuth.name).url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
  await response.arrayBuffer();
  return response.status;
}

/** One request, read whole: the answer must have data, no errors, and say what it cost. */
export async function probe(target: { url: string; headers: Record<string, string> }, body: string): Promise<Probe> {
  const response = await fetch(target.url, { method: "POST", headers: { "content-type": "application/json", ...target.headers }, body });
  const json = (await response.json()) as { data?: Record<string, unknown> | null; errors?: unknown[]; extensions?: { cost?: Probe["cost"] } };
  if (!response.ok || !json.data || json.errors) throw new Error(`probe failed: ${response.status} ${JSON.stringify(json).slice(0, 500)}`);
  const [field] = Object.values(json.data);
  // A list's length, a connection's edges, one for an object (product(id)), none for a scalar (__typename).
  const items = Array.isArray(field)
    ? field.length
    : Array.isArray((field as { edges?: unknown[] })?.edges)
      ? (field as { edges: unknown[] }).edges.length
      : field !== null && typeof field === "object"
        ? 1
        : 0;
  return { status: response.status, items, cost: json.extensions?.cost ?? null };
}

/** CPU milliseconds spent during one timed run by the process under load and by the embedded PostgreSQL (null: not read). */
export interface RunCpu {
  app: number | null;
  postgres: number | null;
}

/** Reads the CPU the app and the database's processes spend from now until stop(). */
export async function startCpuReading(appPid: number, postmasterPid: number | null): Promise<{ stop(): Promise<RunCpu> }> {
  const before = { app: await cpuSnapshot([appPid]), postgres: await cpuSnapshot(postmasterPid ? await postgresPids(postmasterPid) : []) };
  return {
    stop: async () => ({
      app: cpuSpentMs(before.app, await cpuSnapshot([appPid])),
      // Listed again: a pool opens connections during a run, and each is a backend that did not exist before it.
      postgres: postmasterPid ? cpuSpentMs(before.postgres, await cpuSnapshot(await postgresPids(postmasterPid)), { countNew: true }) : null,
    }),
  };
}

/**
 * The baseline's CPU per request (app and PostgreSQL) over the other's: on a
 * machine where CPU is what limits throughput, the other's throughput as a
 * share of the baseline's; far steadier than the throughput itself here.
 */
function cpuRatio(baseline: ConfigurationResult, other: ConfigurationResult): number | null {
  const total = (result: ConfigurationResult) =>
    result.cpuMsPerRequest.app === null || result.cpuMsPerRequest.postgres === null ? null : result.cpuMsPerRequest.app + result.cpuMsPerRequest.postgres;
  const [base, theirs] = [total(baseline), total(other)];
  return base === null || theirs === null || theirs === 0 ? null : base / theirs;
}

/** One configuration's timed runs for one query, pooled: throughput over their total time, percentiles over all their responses. */
export function pool(configuration: string, runs: readonly LoadRun[], warmup: LoadRun, cpu: readonly RunCpu[]): ConfigurationResult {
  const responses = sum(runs.map((run) => run.responses));
  const seconds = sum(runs.map((run) => run.seconds));
  const samples = runs.flatMap((run) => run.samples).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const { samples: _warmupSamples, ...warmupSummary } = warmup;
  return {
    configuration,
    responses,
    seconds,
    requestsPerSecond: seconds > 0 ? responses / seconds : 0,
    roundsRequestsPerSecond: runs.map((run) => run.requestsPerSecond),
    latency: { p50: percentile(samples, 0.5), p97_5: percentile(samples, 0.975), p99: percentile(samples, 0.99), max: samples[samples.length - 1] ?? Number.NaN },
    non2xx: sum(runs.map((run) => run.non2xx)),
    graphqlErrors: sum(runs.map((run) => run.graphqlErrors)),
    errors: sum(runs.map((run) => run.errors)),
    timeouts: sum(runs.map((run) => run.timeouts)),
    statuses,
    warmup: warmupSummary,
    cpuMsPerRequest: { app: perResponse(cpu.map((run) => run.app), responses), postgres: perResponse(cpu.map((run) => run.postgres), responses) },
  };
}

/** Nearest rank, over sorted values. */
function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.max(Math.ceil(share * sorted.length) - 1, 0)] ?? Number.NaN;
}

const perResponse = (spent: ReadonlyArray<number | null>, responses: number): number | null =>
  spent.length === 0 || spent.some((ms) => ms === null) || responses === 0 ? null : sum(spent as number[]) / responses;
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
export const rounded = (values: readonly number[]) => values.map((value) => Math.round(value * 100) / 100);
