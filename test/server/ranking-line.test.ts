import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrm } from "../../src/db/orm.js";
import { catalogEntities } from "../../src/catalog/entities.js";
import { responseCacheCounts } from "../support/metrics.js";
import { createTestDatabase } from "../support/test-database.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { waitFor } from "../support/wait-for.js";

/**
 * SEARCH_CONCURRENCY and SEARCH_QUEUE_TIMEOUT_MS (search/ranking-gate.ts),
 * through the real app: a search is held up for real (another session locks
 * tag_stats, which every search reads first), so the next one waits in line
 * and is refused with SEARCH_BUSY; the held one then answers. Identical
 * anonymous searches waiting for the refused one are sent its refusal
 * (server/response-cache/) rather than each waiting its own turn.
 */

// Long enough for identical requests to be seen waiting for the refused one, even on a busy machine.
const QUEUE_TIMEOUT_MS = 2_000;
const SEARCH = `query ($query: String!) { search(query: $query, limit: 5) { score product { id } } }`;
let api: TestApp;

beforeAll(async () => {
  api = await startTestApp({ SEARCH_CONCURRENCY: "1", SEARCH_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS), VISUAL_SEARCH: "false" });
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

describe("rankings in line (SEARCH_CONCURRENCY=1)", () => {
  it("refuse the one that waited past SEARCH_QUEUE_TIMEOUT_MS with SEARCH_BUSY, and answer the one that held the turn", async () => {
    const locker = new pg.Client({ connectionString: api.databaseUrl });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table tag_stats in access exclusive mode");
      const held = api.client.query(SEARCH, { query: "red mug" });
      // The held search is in its turn once its first statement waits on the lock.
      await waitFor(async () => (await api.sql<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%tag_stats%' and pid <> pg_backend_pid()",
      ))[0]!.n === 1);
      const started = performance.now();
      const refused = await api.client.query(SEARCH, { query: "blue sofa" });
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused.errors)).toBe("SEARCH_BUSY");
      expect(performance.now() - started).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 20);
      await locker.query("rollback");
      const answered = await held;
      expect(answered.errors).toBeUndefined();
      expect(answered.data!.search).toEqual([]);
    } finally {
      await locker.query("rollback").catch(() => {});
      await locker.end();
    }
    // The line is empty again: the next search starts at once.
    const next = await api.client.query(SEARCH, { query: "blue sofa" });
    expect(next.errors).toBeUndefined();
  });
});

/** An anonymous search (no API key: the response cache and its sharing apply). */
async function anonymousSearch(query: string): Promise<{ errors?: Array<{ extensions?: { code?: string } }> }> {
  const response = await fetch(`${api.app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: SEARCH, variables: { query } }) });
  return (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
}

describe("identical searches waiting for one refused with SEARCH_BUSY", () => {
  it("are sent its refusal at once rather than each waiting its own turn in the full line", async () => {
    const followers = 5;
    const locker = new pg.Client({ connectionString: api.databaseUrl });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table tag_stats in access exclusive mode");
      // Words no other test asks for: a cached answer would run no statement.
      const held = anonymousSearch("green lamp");
      await waitFor(async () => (await api.sql<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%tag_stats%' and pid <> pg_backend_pid()",
      ))[0]!.n === 1);
      const before = await responseCacheCounts(api.app.url);
      // One of them leads and waits in line; the others wait for it.
      const identical = Array.from({ length: 1 + followers }, () => anonymousSearch("yellow chair"));
      await waitFor(async () => (await responseCacheCounts(api.app.url)).waiting === followers);
      const answers = await Promise.all(identical);
      for (const answer of answers) expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(["SEARCH_BUSY"]);
      expect(await responseCacheCounts(api.app.url)).toEqual({ ...before, miss: before.miss + 1, shared: before.shared + followers });
      await locker.query("rollback");
      expect((await held).errors).toBeUndefined();
    } finally {
      await locker.query("rollback").catch(() => {});
      await locker.end();
    }
  });
});

describe("the requests' pool (createOrm with serialStatements)", () => {
  it("runs its sessions without parallel workers, and other pools keep PostgreSQL's default", async () => {
    const database = await createTestDatabase();
    const options = { url: database.url, poolMax: 1, log: () => {}, entities: catalogEntities };
    const requests = await createOrm({ ...options, serialStatements: true });
    const background = await createOrm(options);
    try {
      const setting = async (orm: typeof requests) =>
        (await orm.em.fork().execute<Array<{ max_parallel_workers_per_gather: string }>>("show max_parallel_workers_per_gather"))[0]!.max_parallel_workers_per_gather;
      expect(await setting(requests)).toBe("0");
      expect(await setting(background)).not.toBe("0");
    } finally {
      await requests.close();
      await background.close();
      await database.drop();
    }
  });
});
