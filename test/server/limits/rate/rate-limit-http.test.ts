import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, keyMaker, type AuthResponse } from "../../../support/api-keys.js";
import { startTestApp, startTestAppOn, type TestApp } from "../../../support/test-app.js";
import { rateLimitedAppEnv } from "./rate-limited-apps.js";

/**
 * Rate limits by cost over real HTTP: two app processes' worth of servers
 * (two startApp instances, each with its own pool) on one real PostgreSQL
 * draw on the same buckets. AUTH=off, so that anonymous requests are allowed
 * and counted by client address (X-Forwarded-For, one trusted proxy).
 */
const BUCKET = 100;
const REFILL_PER_SECOND = 2;
// Costs 5 points (field-costs.ts), whatever the catalogue holds.
const QUERY = "{ visualIndex { photos } }";
const COST = 5;

let first: TestApp;
let second: TestApp;
let maker: Awaited<ReturnType<typeof keyMaker>>;

beforeAll(async () => {
  const env = rateLimitedAppEnv({ points: BUCKET, refillPerSecond: REFILL_PER_SECOND, maxCost: BUCKET });
  first = await startTestApp(env);
  second = await startTestAppOn(first.databaseUrl, first.databaseUrl, env);
  maker = await keyMaker(first.databaseUrl);
});

afterAll(async () => {
  await maker?.close();
  await second?.stop();
  await first?.stop(); // drops the database
});

interface Cost {
  requested: number;
  actual: number;
  maximum: number;
  remaining: number;
}

async function ask(app: TestApp, headers: Record<string, string>): Promise<AuthResponse & { cost: Cost }> {
  const response = await fetch(`${app.app.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = (await response.json()) as Omit<AuthResponse, "status" | "headers"> & { extensions: { cost: Cost } };
  return { status: response.status, headers: response.headers, ...body, cost: body.extensions?.cost };
}

/** Alternates between the two apps until one refuses; returns the answers. */
async function spendAcrossBothApps(headers: Record<string, string>) {
  const started = performance.now();
  const answers: Array<AuthResponse & { cost: Cost }> = [];
  for (let index = 0; index < 100; index += 1) {
    const answer = await ask(index % 2 === 0 ? first : second, headers);
    answers.push(answer);
    if (answer.status !== 200) break;
  }
  return { answers, elapsedSeconds: (performance.now() - started) / 1000 };
}

function expectRateLimited(answer: AuthResponse & { cost: Cost }) {
  expect(answer.status).toBe(429);
  expect(answer.data ?? null).toBeNull();
  const error = answer.errors?.[0];
  expect(error?.extensions).toMatchObject({ code: "RATE_LIMITED", limit: "points", maximum: BUCKET, requested: COST });
  return error!.extensions!;
}

describe("rate limit by cost, shared by two app instances", () => {
  it("draws one key's requests, sent to either app, from one bucket, and refuses the one over budget", async () => {
    const key = bearer(await maker.create("shared", ["read"]));
    const { answers, elapsedSeconds } = await spendAcrossBothApps({ authorization: key });
    const accepted = answers.filter((answer) => answer.status === 200);
    // Each app alone would accept 20 (100 / 5); together they accept 20, plus what refilled meanwhile.
    expect(accepted.length).toBeGreaterThanOrEqual(BUCKET / COST);
    expect(accepted.length).toBeLessThanOrEqual(Math.floor((BUCKET + REFILL_PER_SECOND * (elapsedSeconds + 1)) / COST));
    expectRateLimited(answers.at(-1)!);
    // Each app reports what remains of the shared bucket, not of its own.
    expect(accepted[0]!.cost).toEqual({ requested: COST, actual: COST, maximum: BUCKET, remaining: BUCKET - COST });
    for (let index = 1; index < accepted.length; index += 1) {
      const refilled = REFILL_PER_SECOND * (elapsedSeconds + 1);
      expect(accepted[index]!.cost.remaining).toBeLessThanOrEqual(accepted[index - 1]!.cost.remaining - COST + refilled);
    }
    expect(accepted.at(-1)!.cost.remaining).toBeLessThan(COST + REFILL_PER_SECOND * (elapsedSeconds + 1));
  });

  it("sends Retry-After and the reset time, and the request goes through once the bucket has refilled that far", async () => {
    const key = bearer(await maker.create("retry-after", ["read"]));
    const { answers } = await spendAcrossBothApps({ authorization: key });
    const refused = answers.at(-1)!;
    const extensions = expectRateLimited(refused);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // At most the time to refill the request's whole cost.
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(COST / REFILL_PER_SECOND));
    expect(extensions.retryAfterSeconds).toBe(retryAfter);
    const resetAt = Date.parse(String(extensions.resetAt));
    expect(resetAt).toBeGreaterThan(Date.now() - 1_000);
    expect(resetAt).toBeLessThanOrEqual(Date.now() + retryAfter * 1_000);
    // Nothing was taken by the refusal: extensions.cost says what the bucket holds, short of the cost.
    expect(refused.cost.remaining).toBeLessThan(COST);
    expect(refused.cost.maximum).toBe(BUCKET);

    await sleep(Math.max(0, resetAt - Date.now()) + 50);
    const again = await ask(second, { authorization: key });
    expect(again.status, JSON.stringify(again.errors)).toBe(200);
  });

  it("refills the bucket over time, at the refill rate", async () => {
    const key = bearer(await maker.create("refill", ["read"]));
    const before = await ask(first, { authorization: key });
    const spentAt = performance.now();
    const afterSpend = await ask(second, { authorization: key });
    const between = (performance.now() - spentAt) / 1000;
    // The second request's cost is gone, give or take what refilled between the two.
    expect(afterSpend.cost.remaining).toBeGreaterThanOrEqual(before.cost.remaining - COST);
    expect(afterSpend.cost.remaining).toBeLessThanOrEqual(before.cost.remaining - COST + Math.ceil(REFILL_PER_SECOND * between));
    const waited = performance.now();
    await sleep(2_000);
    const later = await ask(first, { authorization: key });
    const seconds = (performance.now() - waited) / 1000;
    // At least 2 s of refill came back; at most what the measured wait allows.
    expect(later.cost.remaining).toBeGreaterThanOrEqual(afterSpend.cost.remaining - COST + 2 * REFILL_PER_SECOND);
    expect(later.cost.remaining).toBeLessThanOrEqual(afterSpend.cost.remaining - COST + Math.ceil(REFILL_PER_SECOND * seconds) + 1);
  });
});

describe("anonymous reads", () => {
  it("are limited per client address: one address over budget does not hold up another, nor a key", async () => {
    const { answers } = await spendAcrossBothApps({ "x-forwarded-for": "203.0.113.7" });
    expectRateLimited(answers.at(-1)!);
    expect(answers.length).toBeGreaterThan(BUCKET / COST);

    const other = await ask(first, { "x-forwarded-for": "203.0.113.8" });
    expect(other.status).toBe(200);
    expect(other.cost.remaining).toBe(BUCKET - COST);
    const keyed = await ask(second, { "x-forwarded-for": "203.0.113.7", authorization: bearer(await maker.create("anon-neighbour", ["read"])) });
    expect(keyed.status).toBe(200);
    expect(keyed.cost.remaining).toBe(BUCKET - COST);
    expect((await ask(second, { "x-forwarded-for": "203.0.113.7" })).status).toBe(429);
  });

  it("count an IPv6 client by its /64", async () => {
    const { answers } = await spendAcrossBothApps({ "x-forwarded-for": "2001:db8:1:2::1" });
    expectRateLimited(answers.at(-1)!);
    expect((await ask(first, { "x-forwarded-for": "2001:db8:1:2:ffff::9" })).status).toBe(429);
    expect((await ask(first, { "x-forwarded-for": "2001:db8:1:3::1" })).status).toBe(200);
  });

  it("take no points for a request refused for its credentials", async () => {
    const address = { "x-forwarded-for": "203.0.113.20" };
    const refused = await ask(first, { ...address, authorization: "Bearer lk_not_a_real_key" });
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const next = await ask(first, address);
    expect(next.cost.remaining).toBe(BUCKET - COST);
  });
});
