import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * DATABASE_STATEMENT_TIMEOUT_MS: PostgreSQL cancels a GraphQL request's
 * statement past the limit, the client gets DATABASE_TIMEOUT, a write
 * leaves nothing behind, and the connection serves the next request. A
 * statement is held up for real: another session keeps a lock the request
 * needs (lock waits count toward statement_timeout).
 */

const TIMEOUT_MS = 400;
let llm: ChatCompletionsServer;
let api: TestApp;
let productId: string;

const ADD_PRODUCT = `mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;
const PRODUCT = `query ($id: ID!) { product(id: $id) { id sourceUrl } }`;

/** Runs `during` while another session holds `lock` on product, and releases it after. */
async function whileLocked<T>(lock: string, during: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: api.databaseUrl });
  await client.connect();
  try {
    await client.query("begin");
    await client.query(`lock table product in ${lock} mode`);
    return await during();
  } finally {
    await client.query("rollback").catch(() => {});
    await client.end();
  }
}

/** Statements of the app's own connections still running (not this test's sessions, not idle ones). */
const runningAppStatements = async () =>
  (await api.sql<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and query ilike '%product%' and query not ilike '%pg_stat_activity%'"))[0]!.n;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS), TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, VISUAL_SEARCH: "false" });
  const [row] = await api.sql<{ id: string }>("insert into product (id, source_url, created_at) values (gen_random_uuid(), 'https://shop.example/p/1', now()) returning id");
  productId = row!.id;
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

describe("a GraphQL request's statements past DATABASE_STATEMENT_TIMEOUT_MS", () => {
  it("are cancelled by PostgreSQL with DATABASE_TIMEOUT, and the next request is answered", async () => {
    const started = performance.now();
    const response = await whileLocked("access exclusive", () => api.client.query(PRODUCT, { id: productId }));
    expect(response.errors?.[0]?.extensions?.code, JSON.stringify(response.errors)).toBe("DATABASE_TIMEOUT");
    // Answered once the limit cancelled the statement, while the lock was still held (not at its release).
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(await runningAppStatements()).toBe(0);
    const again = await api.client.query(PRODUCT, { id: productId });
    expect(again.errors).toBeUndefined();
    expect(again.data!.product).toEqual({ id: productId, sourceUrl: "https://shop.example/p/1" });
  });

  it("roll back a write: addProduct leaves no product, photo, file or job", async () => {
    const before = await api.rowCounts();
    const image = { variable: "variables.image", bytes: await solidPng(200, 40, 40), filename: "red.png", contentType: "image/png" };
    // Reads go on under "exclusive" (no other lock allows them); the product's insert waits, then is cancelled.
    const response = await whileLocked("exclusive", () => api.client.upload(ADD_PRODUCT, { sourceUrl: "https://shop.example/p/2", image: null }, [image]));
    expect(response.errors?.[0]?.extensions?.code, JSON.stringify(response.errors)).toBe("DATABASE_TIMEOUT");
    expect(await api.rowCounts()).toEqual(before);
    expect(await api.storedFiles()).toEqual([]);
    const jobs = await api.sql<{ n: number }>("select count(*)::int as n from pgboss.job where name like 'analy%'");
    expect(jobs[0]!.n).toBe(0);
  });

  it("leave the jobs' connections alone: an analysis waits on a lock past the limit and finishes at its first attempt", async () => {
    const bytes = await solidPng(20, 180, 60);
    // The tagger answers after a while, so the analysis writes its tags while the lock below is held.
    await llm.script(sha256(bytes), [{ kind: "delay", ms: 300, then: { kind: "features", features: features({ cup: ["green"] }) } }]);
    const image = { variable: "variables.image", bytes, filename: "green.png", contentType: "image/png" };
    const added = await api.client.upload(ADD_PRODUCT, { sourceUrl: "https://shop.example/p/3", image: null }, [image]);
    expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
    await whileLocked("share", async () => {
      await sleep(300 + 3 * TIMEOUT_MS);
      // The analysis's write has waited on the lock for longer than a request's statement may run.
      const waiting = await api.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and now() - query_start > make_interval(secs => $1)`,
        [TIMEOUT_MS / 1000],
      );
      expect(waiting[0]!.n).toBeGreaterThan(0);
    });
    const analysed = await waitForAnalysis(api.client, added.data!.addProduct.id);
    expect(analysed.analysis).toMatchObject({ status: "READY", attempts: 1 });
    expect(analysed.tags).toContain("object:cup");
  });
});
