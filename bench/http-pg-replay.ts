/**
 * The gateway tax's baseline: the SQL statements the app sends for a
 * workload's requests (captured by http-capture.ts), sent straight through
 * `pg`, with the same concurrency as autocannon and the same sequence of
 * requests.
 */
import pg from "pg";
import type { RankingGate } from "../src/search/ranking-gate.js";
import type { CapturedStatement } from "./http-capture-hook.js";
import type { CapturedRequest } from "./http-capture.js";
import type { LoadRun } from "./http-load.js";

/** A captured request ready to send: each statement with the statements it waited for in the app. */
export interface ReplayRequest {
  statements: Array<{ query: pg.QueryConfig; after: number[] }>;
}

/**
 * A statement waits for every statement of its request that the app had
 * seen answered before it sent it; the others ran alongside it in the app,
 * and run alongside it here. The app's order and overlap are kept, and its
 * own time between statements (planning, hydration, resolvers) is not.
 */
export function replayRequest(request: CapturedRequest): ReplayRequest {
  const statements = request.statements;
  return {
    statements: statements.map((statement, index) => ({
      query: queryConfig(statement),
      after: statements.slice(0, index).flatMap((earlier, earlierIndex) => (earlier.doneMs !== null && earlier.doneMs <= statement.sentMs ? [earlierIndex] : [])),
    })),
  };
}

function queryConfig(statement: CapturedStatement): pg.QueryConfig {
  return {
    text: statement.text,
    values: statement.values.map((value) => (value !== null && typeof value === "object" ? Buffer.from(value.base64, "base64") : value)),
    ...(statement.name ? { name: statement.name } : {}),
    ...(statement.rowMode ? { rowMode: statement.rowMode as "array" } : {}),
  };
}

/** Sends one request's statements in their captured order and overlap, each on whichever pooled connection is free (as the app's pool does). */
async function send(pool: pg.Pool, request: ReplayRequest): Promise<void> {
  const done: Array<Promise<unknown>> = [];
  for (const [index, statement] of request.statements.entries()) {
    done[index] = (statement.after.length === 0 ? Promise.resolve() : Promise.all(statement.after.map((earlier) => done[earlier]))).then(() => pool.query(statement.query));
  }
  const settled = await Promise.allSettled(done);
  const failure = settled.find((result) => result.status === "rejected");
  if (failure) throw (failure as PromiseRejectedResult).reason;
}

/**
 * `clients` loops over one pg.Pool of as many connections, each sending the
 * next request of `next()` as soon as its last one was answered (a closed
 * loop, as autocannon's connections with one request in flight each), for
 * `duration` seconds. Like autocannon, it counts the requests answered
 * within the duration; the ones still in flight then are awaited, not
 * counted. With a `line`, each request waits for its turn in it before its
 * first statement, as a ranking does in the app (search/ranking-gate.ts):
 * without one, fifty requests of a dozen statements each share the pool
 * statement by statement and all finish late, so the baseline collapsed
 * where the app, in line, did not.
 */
export async function runReplay(pool: pg.Pool, next: () => ReplayRequest, options: { duration: number; clients: number; line?: RankingGate }): Promise<LoadRun> {
  const samples: number[] = [];
  let errors = 0;
  const firstErrors: string[] = [];
  const started = performance.now();
  const deadline = started + options.duration * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const request = next();
      const sentAt = performance.now();
      try {
        await (options.line ? options.line.run(() => send(pool, request)) : send(pool, request));
        const answeredAt = performance.now();
        if (answeredAt <= deadline) samples.push(answeredAt - sentAt);
      } catch (error) {
        if (performance.now() <= deadline) errors++;
        if (firstErrors.length < 3) firstErrors.push(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, loop));
  if (firstErrors.length > 0) console.error(`[bench:http] pg replay errors, the first: ${firstErrors.join("; ")}`);
  const seconds = options.duration;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.max(Math.ceil(share * sorted.length) - 1, 0)] ?? Number.NaN;
  return {
    responses: samples.length + errors,
    seconds,
    requestsPerSecond: (samples.length + errors) / seconds,
    non2xx: 0,
    graphqlErrors: 0,
    errors,
    timeouts: 0,
    statuses: {},
    latency: { p50: at(0.5), p97_5: at(0.975), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN },
    samples,
  };
}
