import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE_TABLES } from "../../migrations/Migration20261208000000_catalogue_changed.js";
import { isCacheableQuery } from "../../src/server/response-cache/cacheable-operation.js";
import { keyMaker } from "../support/api-keys.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { responseCacheCounts } from "../support/metrics.js";
import { addProductAndWait } from "../support/products.js";
import { startTestApp, startTestAppOn, type TestApp } from "../support/test-app.js";

let llm: ChatCompletionsServer;
/** The app as it runs by default: the response cache on. */
let cached: TestApp;
/** Another app on the same database with RESPONSE_CACHE=false: the plain path, and "another process" for invalidation. */
let plain: TestApp;
const products: Array<{ id: string; photoId: string }> = [];

const CATALOGUE = [features({ cup: ["red"] }, ["minimalist"]), features({ cup: ["blue"] }), features({ sofa: ["red"] }, ["vintage"]), features({ chair: ["brown"] })];

/** Tables that are not the catalogue: no cached answer reads them. */
const NOT_CATALOGUE = ["api_key", "rate_limit_bucket", "rate_limit_lease", "rate_limit_analysis_claim", "product_import", "import_item", "mikro_orm_migrations"];

interface RawResponse {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; extensions?: Record<string, unknown> };
}

/**
 * One GraphQL request over node:http (fetch sets Host itself). Both apps are
 * asked under the cached one's host, so their links (Photo.url) agree.
 */
function post(app: TestApp, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${app.app.url}/graphql`,
      { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), host: new URL(cached.app.url).host, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as RawResponse["body"] }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const PRODUCT_CARD = `query Card($id: ID!) {
  product(id: $id) { id sourceUrl title externalId tags caption createdAt attributes { name value }
    photos { id url width height mimeType byteSize sha256 createdAt features { caption } }
    analysis { status stage progress attempts error { code } } }
}`;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  cached = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  plain = await startTestAppOn(cached.databaseUrl, cached.databaseUrl, { TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, RESPONSE_CACHE: "false", RUN_WORKER: "false" });
  for (const [index, item] of CATALOGUE.entries()) {
    const bytes = await solidPng(index * 50, 90, 200 - index * 40);
    await llm.script(sha256(bytes), [{ kind: "features", features: item }]);
    const added = await addProductAndWait(cached.client, `https://shop.example/cache/${index}`, { variable: "variables.image", bytes, filename: `c${index}.png` });
    const { data } = await cached.client.query(`query ($id: ID!) { product(id: $id) { photos { id } } }`, { id: added.id });
    products.push({ id: added.id, photoId: data!.product.photos[0].id });
  }
}, 120_000);

afterAll(async () => {
  await plain?.stop();
  await cached?.stop();
  await llm?.stop();
});

describe("cached answers", () => {
  it("equal the plain path's, answer and extensions alike, on the same requests, first from execution and then from the cache", async () => {
    const requests: Array<[string, Record<string, unknown>]> = [
      [PRODUCT_CARD, { id: products[0]!.id }],
      [`query { products(first: 2) { edges { cursor node { id tags photos { id url } } } pageInfo { hasNextPage endCursor } } }`, {}],
      [`query ($id: ID!) { photo(id: $id) { id url mimeType width height sha256 nearDuplicates { photo { id } distance } } }`, { id: products[1]!.photoId }],
      [`query ($q: String!) { search(query: $q, limit: 5) { score matchedTags product { id title tags } } }`, { q: "red cup" }],
      [`query ($id: ID!) { similarProducts(productId: $id, limit: 3) { score matchedTags matchedPhoto { id } product { id } } }`, { id: products[0]!.id }],
      [`query ($id: ID!) { ...Both __typename } fragment Both on Query { first: product(id: $id) { id } ... on Query { search(query: "sofa") { product { id } } } }`, { id: products[2]!.id }],
    ];
    const before = await responseCacheCounts(cached.app.url);
    for (const [query, variables] of requests) {
      const expected = await post(plain, query, variables);
      expect(expected.status).toBe(200);
      expect(expected.body.errors).toBeUndefined();
      const executed = await post(cached, query, variables);
      const fromCache = await post(cached, query, variables);
      expect(executed).toEqual(expected);
      expect(fromCache).toEqual(expected);
    }
    const after = await responseCacheCounts(cached.app.url);
    expect(after.miss - before.miss).toBe(requests.length);
    expect(after.hit - before.hit).toBe(requests.length);
  });

  it("are never for a CDN or a browser to keep: Cache-Control: no-store, from the cache or not", async () => {
    const before = await responseCacheCounts(cached.app.url);
    for (let round = 0; round < 2; round++) {
      const response = await fetch(`${cached.app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `query ($id: ID!) { product(id: $id) { id caption } }`, variables: { id: products[3]!.id } }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
    expect(await responseCacheCounts(cached.app.url)).toEqual({ ...before, hit: before.hit + 1, miss: before.miss + 1 });
  });

  it("are never errors: a NOT_FOUND is asked of the catalogue each time", async () => {
    const before = await responseCacheCounts(cached.app.url);
    for (let round = 0; round < 2; round++) {
      const { body } = await post(cached, PRODUCT_CARD, { id: "00000000-0000-4000-8000-000000000000" });
      expect(body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
    const after = await responseCacheCounts(cached.app.url);
    expect(after).toEqual({ ...before, miss: before.miss + 2 });
  });

  it("build their links from the request's own host: two hosts never share an answer", async () => {
    const query = `query ($id: ID!) { photo(id: $id) { url } }`;
    const variables = { id: products[2]!.photoId };
    for (let round = 0; round < 2; round++) {
      const first = await post(cached, query, variables, { host: "first.example" });
      const second = await post(cached, query, variables, { host: "second.example" });
      expect(first.body.data!.photo.url).toMatch(/^http:\/\/first\.example\/uploads\//);
      expect(second.body.data!.photo.url).toMatch(/^http:\/\/second\.example\/uploads\//);
    }
  });

  it("are only for anonymous catalogue reads: not with an API key, not for imports, keys or the visual index", async () => {
    const maker = await keyMaker(cached.databaseUrl);
    const token = await maker.create("reader", ["read"]).finally(() => maker.close());
    const before = await responseCacheCounts(cached.app.url);
    for (let round = 0; round < 2; round++) {
      const keyed = await post(cached, PRODUCT_CARD, { id: products[0]!.id }, { authorization: `Bearer ${token}` });
      expect(keyed.body.errors).toBeUndefined();
      const index = await post(cached, `{ visualIndex { model } }`);
      expect(index.body.errors).toBeUndefined();
      const alone = await post(cached, `{ __typename }`);
      expect(alone.body.data).toEqual({ __typename: "Query" });
    }
    expect(await responseCacheCounts(cached.app.url)).toEqual(before);
  });
});

describe("a catalogue write", () => {
  const TITLE = `query ($id: ID!) { product(id: $id) { title } }`;

  it("through this process is read back at once, by the request after the mutation's answer", async () => {
    const id = products[1]!.id;
    for (const title of ["Blue cup", "Blue cup, large"]) {
      await post(cached, TITLE, { id }); // cached before the write
      await post(cached, TITLE, { id });
      const updated = await post(cached, `mutation ($id: ID!, $title: String!) { updateProduct(id: $id, input: { title: $title }) { title } }`, { id, title });
      expect(updated.body.errors).toBeUndefined();
      expect((await post(cached, TITLE, { id })).body.data!.product.title).toBe(title);
    }
    // Not the notification's doing: a mutation that wrote nothing (so nothing was published) moves on too.
    await post(cached, TITLE, { id });
    const before = await responseCacheCounts(cached.app.url);
    const refused = await post(cached, `mutation { deleteProduct(id: "00000000-0000-4000-8000-000000000000") }`);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    await post(cached, TITLE, { id });
    expect(await responseCacheCounts(cached.app.url)).toEqual({ ...before, miss: before.miss + 1 });
  });

  it("by another process, or straight in SQL, drops the cached answers once its notification arrives", async () => {
    const id = products[3]!.id;
    const writes: Array<[string, () => Promise<unknown>]> = [
      ["Chair", () => post(plain, `mutation ($id: ID!) { updateProduct(id: $id, input: { title: "Chair" }) { title } }`, { id })],
      ["Brown chair", () => cached.sql(`update product set title = 'Brown chair' where id = $1`, [id])],
    ];
    for (const [title, write] of writes) {
      const stale = (await post(cached, TITLE, { id })).body.data!.product.title;
      expect(stale).not.toBe(title);
      expect((await post(cached, TITLE, { id })).body.data!.product.title).toBe(stale); // and now it is cached
      await write();
      const deadline = Date.now() + 10_000;
      let seen = stale;
      while (seen !== title && Date.now() < deadline) {
        await sleep(20);
        seen = (await post(cached, TITLE, { id })).body.data!.product.title;
      }
      expect(seen).toBe(title);
    }
  });

  it("is published by every catalogue table, and every other table is named as not the catalogue's", async () => {
    const tables = await cached.sql<{ table_name: string; notifies: boolean }>(
      `select c.relname as table_name,
              exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'catalogue_changed') as notifies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
    );
    expect(tables.filter((table) => table.notifies).map((table) => table.table_name)).toEqual([...CATALOGUE_TABLES].sort());
    expect(tables.filter((table) => !table.notifies).map((table) => table.table_name)).toEqual([...NOT_CATALOGUE].sort());
  });
});

describe("identical reads while the first runs", () => {
  const CARD = `query SharedCard($id: ID!) { product(id: $id) { id sourceUrl tags createdAt } }`;
  const FOLLOWERS = 9;

  /** Runs `during` while another session holds an exclusive lock on product (the first request's statement waits on it). */
  async function whileProductLocked<T>(during: (lock: pg.Client) => Promise<T>): Promise<T> {
    const lock = new pg.Client({ connectionString: cached.databaseUrl });
    await lock.connect();
    try {
      await lock.query("begin");
      await lock.query("lock table product in access exclusive mode");
      return await during(lock);
    } finally {
      await lock.query("rollback").catch(() => {});
      await lock.end();
    }
  }

  /** The backends of the app's statements waiting for the lock on product. */
  const blocked = (lock: pg.Client) =>
    lock.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid() and query ilike '%product%'");

  async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await sleep(20);
    }
  }

  it("are sent the first one's answer instead of running again: one miss, the others shared, the plain path's answer", async () => {
    const id = products[2]!.id;
    const expected = (await post(plain, CARD, { id })).body;
    const before = await responseCacheCounts(cached.app.url);
    const responses = await whileProductLocked(async (lock) => {
      const first = post(cached, CARD, { id });
      await until(async () => (await blocked(lock)).rowCount === 1, "the first request's statement to wait for the lock");
      const others = Array.from({ length: FOLLOWERS }, () => post(cached, CARD, { id }));
      await until(async () => (await responseCacheCounts(cached.app.url)).waiting === FOLLOWERS, "the other requests to wait for the first");
      // Still one statement: the others did not run.
      expect((await blocked(lock)).rowCount).toBe(1);
      return [first, ...others];
    }).then((pending) => Promise.all(pending));
    for (const response of responses) expect(response.body).toEqual(expected);
    expect(await responseCacheCounts(cached.app.url)).toEqual({ ...before, miss: before.miss + 1, shared: before.shared + FOLLOWERS, waiting: 0 });
  });

  it("are not sent the first one's error: each then runs its own", async () => {
    const id = products[3]!.id;
    const expected = (await post(plain, CARD, { id })).body;
    const before = await responseCacheCounts(cached.app.url);
    const [first, ...others] = await whileProductLocked(async (lock): Promise<[Promise<RawResponse>, ...Array<Promise<RawResponse>>]> => {
      const first = post(cached, CARD, { id });
      await until(async () => (await blocked(lock)).rowCount === 1, "the first request's statement to wait for the lock");
      const [{ pid }] = (await blocked(lock)).rows as [{ pid: number }];
      const others = Array.from({ length: FOLLOWERS }, () => post(cached, CARD, { id }));
      await until(async () => (await responseCacheCounts(cached.app.url)).waiting === FOLLOWERS, "the other requests to wait for the first");
      // The first request's statement fails; the others then run their own, and wait for the lock in turn.
      await lock.query("select pg_cancel_backend($1)", [pid]);
      expect((await first).body.errors?.length).toBe(1);
      await until(async () => (await blocked(lock)).rowCount! >= 1 && (await responseCacheCounts(cached.app.url)).waiting === 0, "the others to run their own");
      return [first, ...others];
    }).then((pending) => Promise.all(pending));
    expect(first.body.data?.product ?? null).toBeNull();
    for (const response of others) expect(response.body).toEqual(expected);
    expect(await responseCacheCounts(cached.app.url)).toEqual({ ...before, miss: before.miss + 1 + FOLLOWERS });
  });
});

describe("isCacheableQuery", () => {
  const verdict = (text: string) => {
    const document = parse(text);
    return isCacheableQuery(document, document.definitions.find((definition) => definition.kind === "OperationDefinition")! as never);
  };

  it("takes queries of catalogue fields only, fragments spread in", () => {
    expect(verdict(`{ product(id: "x") { id } }`)).toBe(true);
    expect(verdict(`{ a: search(query: "x") { score } b: products { pageInfo { hasNextPage } } __typename }`)).toBe(true);
    expect(verdict(`{ ...F } fragment F on Query { photo(id: "x") { id } }`)).toBe(true);
    expect(verdict(`{ ...F } fragment F on Query { photo(id: "x") { id } ... on Query { apiKeys { id } } }`)).toBe(false);
    expect(verdict(`{ productImport(id: "x") { id } }`)).toBe(false);
    expect(verdict(`{ __schema { queryType { name } } }`)).toBe(false);
    expect(verdict(`{ __typename }`)).toBe(false);
    expect(verdict(`mutation { deleteProduct(id: "x") { id } }`)).toBe(false);
  });
});
