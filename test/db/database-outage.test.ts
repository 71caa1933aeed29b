import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { responseCacheCounts } from "../support/metrics.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { createTestDatabase } from "../support/test-database.js";
import { startTestAppOn, type TestApp } from "../support/test-app.js";

let api: TestApp;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let dropDatabase: () => Promise<void>;

const PRODUCTS = `{ products(first: 1) { edges { node { id } } } }`;
/** Not asked before the outage: the response cache cannot have it, so the database is asked. */
const OTHER_PRODUCTS = `{ products(first: 2) { edges { node { id } } } }`;

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  const url = new URL(database.url);
  proxy = await startTcpProxy(Number(url.port));
  url.port = String(proxy.port);
  api = await startTestAppOn(url.toString(), database.url, { TAGGER: "none" });
});

afterAll(async () => {
  await api?.stop();
  await proxy?.stop();
  await dropDatabase?.();
});

describe("a database outage", () => {
  it("is reported as DATABASE_UNAVAILABLE, and the app recovers by itself when the database returns", async () => {
    expect((await api.client.query(PRODUCTS)).errors).toBeUndefined();
    expect((await api.client.query(PRODUCTS)).errors).toBeUndefined(); // now in the response cache

    proxy.cut();
    const during = await api.client.query(OTHER_PRODUCTS);
    expect(during.errors?.[0]?.extensions?.code).toBe("DATABASE_UNAVAILABLE");
    expect(during.errors?.[0]?.message).toMatch(/database is unavailable/i);
    const health = await fetch(`${api.app.url}/health`);
    expect(health.status).toBe(503);

    proxy.restore();
    const cacheBefore = await responseCacheCounts(api.app.url);
    const after = await api.client.query(PRODUCTS);
    expect(after.errors).toBeUndefined();
    expect((await fetch(`${api.app.url}/health`)).status).toBe(200);
    // Cached before the outage, and asked again after it: writes made meanwhile went unheard, so it is asked anew.
    expect(await responseCacheCounts(api.app.url)).toEqual({ ...cacheBefore, miss: cacheBefore.miss + 1 });
  });
});
