import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESERVE_HOLD_MS, RESERVE_MAX_SHARE } from "../../../../src/server/limits/rate/point-reserves.js";
import { startTestApp, startTestAppOn, type TestApp } from "../../../support/test-app.js";
import { rateLimitedAppEnv } from "./rate-limited-apps.js";

/**
 * A busy subject's points taken in blocks per process (point-reserves.ts),
 * over real HTTP, by two app instances on one real PostgreSQL. AUTH=off:
 * each test is its own client address (X-Forwarded-For, one trusted proxy).
 * The bucket is large enough for blocks of 20 requests.
 */
const BUCKET = 3_200;
const REFILL_PER_SECOND = 1;
const MAX_BLOCK = Math.floor(BUCKET * RESERVE_MAX_SHARE);
// Costs 5 points (field-costs.ts), whatever the catalogue holds.
const QUERY = "{ visualIndex { photos } }";
const COST = 5;

let first: TestApp;
let second: TestApp;

beforeAll(async () => {
  const env = rateLimitedAppEnv({ points: BUCKET, refillPerSecond: REFILL_PER_SECOND, maxCost: 1_000 });
  first = await startTestApp(env);
  second = await startTestAppOn(first.databaseUrl, first.databaseUrl, env);
});

afterAll(async () => {
  await second?.stop();
  await first?.stop(); // drops the database
});

interface Answer {
  status: number;
  retryAfter: string | null;
  errors?: Array<{ extensions?: Record<string, unknown> }>;
  cost?: { requested: number; remaining: number; maximum: number };
}

async function ask(app: TestApp, address: string): Promise<Answer> {
  const response = await fetch(`${app.app.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": address },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = (await response.json()) as { errors?: Answer["errors"]; extensions?: { cost?: Answer["cost"] } };
  return { status: response.status, retryAfter: response.headers.get("retry-after"), errors: body.errors, cost: body.extensions?.cost };
}

/** SQL statements the app has sent so far (its /metrics). */
async function statements(app: TestApp): Promise<number> {
  const text = await (await fetch(`${app.app.url}/metrics`)).text();
  return Number(/^lookalike_sql_statements_total (\d+)$/m.exec(text)?.[1]);
}

/** `workers` loops asking in turn until each has had `until` say stop; every answer, in order of arrival. */
async function inParallel(workers: number, next: (worker: number) => Promise<Answer>, until: (answer: Answer, all: Answer[]) => boolean) {
  const answers: Answer[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (;;) {
        const answer = await next(worker);
        answers.push(answer);
        if (until(answer, answers)) return;
      }
    }),
  );
  return answers;
}

/** The points the subject's bucket is short of a full one, read from its row. */
async function missingPoints(address: string): Promise<number> {
  const [row] = await first.sql<{ missing: number }>(
    "select extract(epoch from greatest(full_at, now()) - now())::float8 * $2 as missing from rate_limit_bucket where subject = $1",
    [`address:${address}`, REFILL_PER_SECOND],
  );
  return row?.missing ?? 0;
}

describe("a busy subject's points, taken in blocks", () => {
  it("cost far fewer statements than requests, and once the rest has gone back the bucket is short of exactly what was spent", async () => {
    // A subject's first request knows no demand yet: it takes exactly its cost, one statement besides the query's own.
    const lone: number[] = [];
    for (const address of ["203.0.113.60", "203.0.113.61", "203.0.113.62"]) {
      const before = await statements(first);
      expect((await ask(first, address)).status).toBe(200);
      lone.push((await statements(first)) - before);
    }
    const perRequest = Math.min(...lone);

    const address = "203.0.113.50";
    const requests = 200;
    const started = performance.now();
    const before = await statements(first);
    const answers = await inParallel(8, () => ask(first, address), (_, all) => all.length >= requests);
    const sent = (await statements(first)) - before;
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    // Taken one request at a time, that would be `perRequest` each; the bucket's statement is now one per block.
    expect(sent).toBeLessThan(answers.length * (perRequest - 1) + answers.length / 4);
    // What each answer reports stays within the bucket.
    for (const answer of answers) expect(answer.cost!.remaining).toBeLessThanOrEqual(BUCKET - COST);

    // The points taken ahead and not spent go back once they are RESERVE_HOLD_MS old.
    await sleep(3 * RESERVE_HOLD_MS);
    const missing = await missingPoints(address);
    const refilled = REFILL_PER_SECOND * ((performance.now() - started) / 1000);
    expect(missing).toBeLessThanOrEqual(answers.length * COST + 0.01);
    expect(missing).toBeGreaterThanOrEqual(answers.length * COST - refilled - 0.01);
  });

  it("shared by two processes spending at once: a refusal is a 429 with Retry-After, and what was admitted is within the documented slack of the bucket", async () => {
    const address = "203.0.113.70";
    const started = performance.now();
    // Each worker stops at its first refusal.
    const answers = await inParallel(8, (worker) => ask(worker % 2 === 0 ? first : second, address), (answer) => answer.status !== 200);
    const seconds = (performance.now() - started) / 1000;
    const admitted = answers.filter((answer) => answer.status === 200).length * COST;
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect(refused.status).toBe(429);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "points", maximum: BUCKET, requested: COST });
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Never more than the bucket and its refill, plus RESERVE_HOLD_MS of refill (points start refilling when taken ahead).
    expect(admitted).toBeLessThanOrEqual(BUCKET + REFILL_PER_SECOND * (seconds + RESERVE_HOLD_MS / 1000));
    // Refused early by at most what the other process held and what the refusing one held short of a request.
    expect(admitted).toBeGreaterThanOrEqual(BUCKET - MAX_BLOCK - 2 * COST);
  });
});
