import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../../../src/app.js";
import { loadConfig } from "../../../src/config.js";
import { GraphQLClient, type GraphQLResponse } from "../../support/graphql-client.js";
import { solidPng } from "../../support/images.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";
import { createTestDatabase, withClient } from "../../support/test-database.js";

/**
 * Limits before execution, over real HTTP against the real app and a real
 * PostgreSQL: every hostile query of issue 11 is refused with
 * QUERY_TOO_COMPLEX, the limit and the measured value, and runs nothing.
 */
let dev: TestApp;

beforeAll(async () => {
  dev = await startTestApp({ TAGGER: "none" });
});

afterAll(async () => {
  await dev?.stop();
});

/** `{ photo { nearDuplicates { photo { … id } } } }`, nearDuplicates `levels` times. */
function nestedNearDuplicates(levels: number, first?: number): string {
  let selection = "id";
  const args = first ? `(first: ${first})` : "";
  for (let level = 0; level < levels; level += 1) selection = `nearDuplicates${args} { photo { ${selection} } }`;
  return `{ photo(id: "00000000-0000-0000-0000-000000000000") { ${selection} } }`;
}

const aliased = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(" ")} }`;

function refusal(response: GraphQLResponse) {
  expect(response.status).toBe(400);
  const refused = response.errors?.find((error) => error.extensions?.code === "QUERY_TOO_COMPLEX");
  expect(refused, JSON.stringify(response.errors?.slice(0, 2))).toBeDefined();
  return refused!;
}

function expectRefused(response: GraphQLResponse, limit: string, maximum: number, measured?: number) {
  const error = refusal(response);
  expect(error.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit, maximum });
  if (measured !== undefined) expect(error.extensions!.measured).toBe(measured);
  expect(error.extensions!.measured).toBeGreaterThan(maximum);
  // The message states both numbers, for a person reading it.
  expect(error.message).toContain(String(maximum));
  expect(error.message).toContain(String(error.extensions!.measured));
  expect(response.data ?? null).toBeNull();
}

describe("limits before execution (development defaults)", () => {
  it("refuses 20-deep nesting, stating the depth", async () => {
    // photo + 9 × (nearDuplicates, photo) + id = 20 fields deep
    expectRefused(await dev.client.query(nestedNearDuplicates(9)), "depth", 10, 20);
  });

  it("refuses the recursive nearDuplicates query of the issue (eight levels) by depth", async () => {
    expectRefused(await dev.client.query(nestedNearDuplicates(8)), "depth", 10, 18);
  });

  it("refuses a shallow recursive nearDuplicates query by its cost", async () => {
    const query = nestedNearDuplicates(2, 100);
    expectRefused(await dev.client.query(query), "cost", 1000, 1 + (1 + 100 * (1 + (1 + 100 * 1))));
  });

  it("refuses 16 aliases, stating the count", async () => {
    expectRefused(await dev.client.query(aliased(16, "visualIndex { photos }")), "aliases", 15, 16);
  });

  it("refuses 1000 aliases and 300 aliased searches (their size alone is over the token limit)", async () => {
    expectRefused(await dev.client.query(aliased(1000, "visualIndex { photos }")), "tokens", 2000, 2 + 1000 * 6);
    expectRefused(await dev.client.query(aliased(300, `search(query: "mug") { score }`)), "tokens", 2000);
  });

  it("refuses ten searches of a hundred results by their requested cost", async () => {
    // each: search 10 + limit 100 × (product 1)
    expectRefused(await dev.client.query(aliased(10, `search(query: "mug", limit: 100) { product { id } }`)), "cost", 1000, 10 * (10 + 100));
  });

  it("prices a list by a variable", async () => {
    const query = `query ($n: Int!) { products(first: $n) { edges { node { photos { id } } } } }`;
    expect((await dev.client.query(query, { n: 100 })).status).toBe(200);
    // 1 + n × (edges 1 + node 1 + photos 1): priced before anything runs, so first: 1000 is refused by cost, not by the resolver
    expectRefused(await dev.client.query(query, { n: 1000 }), "cost", 1000, 1 + 1000 * 3);
  });

  it("refuses a 900 KB token flood, counting its tokens", async () => {
    const query = `{ ${"__typename ".repeat(90_000)}}`;
    expect(query.length).toBeGreaterThan(900_000);
    const started = performance.now();
    expectRefused(await dev.client.query(query), "tokens", 2000, 90_002);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("refuses 2,000 directives (by tokens), and 21 directives by the directive limit", async () => {
    expectRefused(await dev.client.query(`{ __typename ${"@skip(if: false) ".repeat(2_000)}}`), "tokens", 2000);
    expectRefused(await dev.client.query(`{ __typename ${"@skip(if: false) ".repeat(21)}}`), "directives", 20, 21);
  });

  it("still refuses a batched array", async () => {
    const response = await fetch(`${dev.app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batch/i);
  });

  it("cannot be bypassed by naming the operation or a fragment __schema", async () => {
    const deep = nestedNearDuplicates(9).replace(/^\{/, "query __schema {");
    expectRefused(await dev.client.query(deep), "depth", 10, 20);
    const inner = nestedNearDuplicates(9).slice(1, -1);
    expectRefused(await dev.client.query(`{ ...__schema } fragment __schema on Query { ${inner} }`), "depth", 10, 20);
  });

  it("gives each response its cost: requested, actual, and what remains", async () => {
    const response = await dev.client.query(`{ products(first: 20) { edges { node { id photos { id } } } } }`);
    expect(response.status).toBe(200);
    const { extensions } = response as GraphQLResponse & { extensions?: Record<string, any> };
    // requested 1 + 20 × 3; actual: the empty catalogue returned products and its (empty) edges
    expect(extensions?.cost).toEqual({ requested: 61, actual: 2, maximum: 1000, remaining: 1000 - 61 });
  });

  it("reports the cost of a refusal by cost, nothing taken", async () => {
    const response = (await dev.client.query(nestedNearDuplicates(2, 100))) as GraphQLResponse & { extensions?: Record<string, any> };
    expect(response.extensions?.cost).toEqual({ requested: 10_202, actual: 0, maximum: 1000, remaining: 1000 });
  });

  it("keeps suggestions in development", async () => {
    const response = await dev.client.query(`{ prodcts { edges { cursor } } }`);
    expect(response.errors?.[0]?.message).toMatch(/Did you mean "products"/);
  });
});

describe("GRAPHQL_LIMITS=false (a gateway in front enforces its own)", () => {
  let open: TestApp;
  beforeAll(async () => {
    open = await startTestApp({ TAGGER: "none", GRAPHQL_LIMITS: "false" });
  });
  afterAll(async () => {
    await open?.stop();
  });

  it("runs what the limits would refuse, and reports no cost", async () => {
    const deep = await open.client.query(nestedNearDuplicates(9));
    expect(deep.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const aliases = await open.client.query(aliased(16, "visualIndex { lists }"));
    expect(aliases.errors).toBeUndefined();
    expect(Object.keys(aliases.data ?? {})).toHaveLength(16);
    expect(aliases.extensions?.cost).toBeUndefined();
    // The same requests on the app with the limits, for contrast.
    expectRefused(await dev.client.query(aliased(16, "visualIndex { lists }")), "aliases", 15, 16);
  });
});

describe("refused uploads", () => {
  it("store no row and no file, whether refused by aliases or by cost", async () => {
    const image = { variable: "variables.image", bytes: await solidPng(200, 40, 40), filename: "red.png", contentType: "image/png" };
    const add = `mutation ($image: Upload!) { addProduct(image: $image, sourceUrl: "https://shop.test/red") { ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(" ")} } }`;
    expectRefused(await dev.client.upload(add, { image: null }, [image]), "aliases", 15, 16);
    const find = `mutation ($image: Upload!) { findSimilarProducts(image: $image, limit: 100) { matches { product { photos { nearDuplicates(first: 100) { photo { id } } } } } } }`;
    // 50 + limit 100 × (matches 1 + product 1 + photos (1 + 4 × (nearDuplicates 1 + 100 × photo 1)))
    expectRefused(await dev.client.upload(find, { image: null }, [image]), "cost", 1000, 50 + 100 * (1 + 1 + 1 + 4 * (1 + 100)));
    expect(await dev.rowCounts()).toEqual({ product: 0, photo: 0 });
    expect(await dev.storedFiles()).toEqual([]);
    // The connection was not left hanging: the next request goes through.
    expect((await dev.client.query("{ __typename }")).status).toBe(200);
  });
});

describe("production mode", () => {
  let app: RunningApp;
  let client: GraphQLClient;
  let drop: () => Promise<void>;
  let databaseUrl: string;
  let uploadsDir: string;
  const log: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    ({ drop } = database);
    databaseUrl = database.url;
    uploadsDir = await mkdtemp(path.join(tmpdir(), "lookalike-uploads-"));
    const config = loadConfig({
      NODE_ENV: "production",
      AUTH: "off",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: "4",
      UPLOADS_DIR: uploadsDir,
      TAGGER: "none",
      // Room for the floods to reach the limits they are about.
      GRAPHQL_MAX_TOKENS: "50000",
    });
    // The app's real logger, writing to memory instead of stdout.
    const logger = pino({ level: "info" }, { write: (line: string) => void log.push(JSON.parse(line) as Record<string, unknown>) });
    app = await startApp(config, { logger });
    client = new GraphQLClient(`${app.url}/graphql`);
  });

  afterAll(async () => {
    await app?.stop();
    await drop?.();
    if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
  });

  it("gives no field suggestions", async () => {
    const response = await client.query(`{ prodcts { edges { cursor } } }`);
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(response.errors?.[0]?.message).toBe('Cannot query field "prodcts" on type "Query".');
    const enumValue = await client.query(`query ($by: RankingSignal!) { similarProducts(productId: "x", by: $by) { score } }`, { by: "HYBRD" });
    expect(enumValue.errors?.[0]?.message).not.toMatch(/Did you mean|HYBRID/);
  });

  it("has no introspection", async () => {
    const response = await client.query(`{ __schema { types { name } } }`);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.errors)).toMatch(/introspection/i);
  });

  it("refuses the floods by the limit each is about", async () => {
    expectRefused(await client.query(aliased(1000, "visualIndex { photos }")), "aliases", 15, 1000);
    expectRefused(await client.query(aliased(300, `search(query: "mug") { score }`)), "aliases", 15, 300);
    expectRefused(await client.query(`{ __typename ${"@skip(if: false) ".repeat(2_000)}}`), "directives", 20, 2000);
  });

  it("masks an internal error behind a generic message and an error id that is in the log", async () => {
    // Breaks the schema under the running app: its next products query fails inside the ORM.
    await withClient(databaseUrl, (sql) => sql.query("alter table product rename column source_url to source_url_gone"));
    const response = await client.query(`{ products { edges { node { sourceUrl } } } }`);
    const error = response.errors?.[0];
    expect(error?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    const errorId = error?.extensions?.errorId as string;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error?.message).toBe(`Internal server error (error id ${errorId}).`);
    expect(JSON.stringify(response)).not.toMatch(/source_url|does not exist|stacktrace/i);
    const logged = log.find((entry) => entry.errorId === errorId);
    expect(logged?.msg).toBe("unexpected error in a GraphQL operation");
    expect(JSON.stringify(logged)).toMatch(/source_url/);
  });

  it("stores nothing for refused requests", async () => {
    expect(await readdir(uploadsDir, { recursive: true }).then((entries) => entries.filter((e) => !e.startsWith(".")))).toEqual([]);
  });
});
