import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import type { GraphQLResponse } from "../support/graphql-client.js";
import { features, sha256, solidPng } from "../support/images.js";
import { addProductAndWait } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

let llm: ChatCompletionsServer;
let api: TestApp;
const products: Array<{ id: string; photoId: string }> = [];

/** Catalogue, oldest first: a red cup, a blue cup, a wooden chair, a red sofa, a cat. */
const CATALOGUE = [
  features({ cup: ["red"] }, ["minimalist"]),
  features({ cup: ["blue"] }),
  { ...features({ chair: ["brown"] }), main_objects: [{ ...features({ chair: ["brown"] }).main_objects[0]!, attributes: [{ kind: "material" as const, value: "wood", confidence: null, source: null }] }] },
  features({ sofa: ["red"] }, ["vintage"]),
  features({ cat: ["gray"] }),
];

async function metricValue(name: string): Promise<number> {
  const text = await (await fetch(`${api.app.url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  for (const [index, item] of CATALOGUE.entries()) {
    const bytes = await solidPng(index * 40, 100, 200 - index * 30);
    await llm.script(sha256(bytes), [{ kind: "features", features: item }]);
    const added = await addProductAndWait(api.client, `https://shop.example/p/${index}`, { variable: "variables.image", bytes, filename: `p${index}.png` });
    const { data } = await api.client.query(`query ($id: ID!) { product(id: $id) { photos { id } } }`, { id: added.id });
    products.push({ id: added.id, photoId: data!.product.photos[0].id });
  }
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

describe("product and photo", () => {
  it("product(id) returns the product with its photos", async () => {
    const { data, errors } = await api.client.query(`query ($id: ID!) { product(id: $id) { id sourceUrl tags photos { id } } }`, { id: products[3]!.id });
    expect(errors).toBeUndefined();
    expect(data!.product).toEqual({ id: products[3]!.id, sourceUrl: "https://shop.example/p/3", tags: ["color:red", "object:couch", "style:vintage"], photos: [{ id: products[3]!.photoId }] });
  });

  it("photo(id) returns its facts and a URL that serves it", async () => {
    const { data } = await api.client.query(`query ($id: ID!) { photo(id: $id) { id url mimeType width height byteSize sha256 } }`, { id: products[0]!.photoId });
    expect(data!.photo).toMatchObject({ id: products[0]!.photoId, mimeType: "image/png", width: 64, height: 64 });
    const served = Buffer.from(await (await fetch(data!.photo.url)).arrayBuffer());
    expect(served.length).toBe(data!.photo.byteSize);
    expect(sha256(served)).toBe(data!.photo.sha256);
  });

  it.each([
    ["product", "00000000-0000-4000-8000-000000000000", "NOT_FOUND"],
    ["photo", "00000000-0000-4000-8000-000000000000", "NOT_FOUND"],
    ["product", "42", "BAD_USER_INPUT"],
    ["photo", "'; drop table product; --", "BAD_USER_INPUT"],
  ])("%s(%s) fails with %s", async (field, id, code) => {
    const { data, errors } = await api.client.query(`query ($id: ID!) { ${field}(id: $id) { id } }`, { id });
    expect(data).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe(code);
  });
});

describe("products connection", () => {
  const PAGE = `query ($first: Int!, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } pageInfo { endCursor hasNextPage } } }`;

  it("pages newest first without gaps or repeats", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const { data, errors }: GraphQLResponse = await api.client.query(PAGE, { first: 2, after });
      expect(errors).toBeUndefined();
      seen.push(...data!.products.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = data!.products.pageInfo.endCursor;
      if (!data!.products.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual(products.map((product) => product.id).reverse());
  });

  it.each([
    [{ first: 0 }, "BAD_USER_INPUT"],
    [{ first: 101 }, "BAD_USER_INPUT"],
    [{ first: 2, after: "not-a-cursor" }, "BAD_USER_INPUT"],
  ])("refuses %j", async (variables, code) => {
    const { errors } = await api.client.query(PAGE, variables);
    expect(errors?.[0]?.extensions?.code).toBe(code);
  });

  it("loads the photos of a whole page in one query (no N+1)", async () => {
    const query = `{ products(first: 5) { edges { node { id photos { id url } } } } }`;
    const before = await metricValue("lookalike_sql_statements_total");
    const { data, errors } = await api.client.query(query);
    const after = await metricValue("lookalike_sql_statements_total");
    expect(errors).toBeUndefined();
    expect(data!.products.edges).toHaveLength(5);
    expect(data!.products.edges.every((edge: { node: { photos: unknown[] } }) => edge.node.photos.length === 1)).toBe(true);
    expect(after - before).toBe(2); // the page, then every page's photos at once
  });
});

describe("search", () => {
  const SEARCH = `query ($query: String!, $limit: Int) { search(query: $query, limit: $limit) { score matchedTags product { id } } }`;

  it("ranks products by their tags and by full text; a product matching every word comes first", async () => {
    const SEARCH_EXPLAINED = `query ($query: String!) { search(query: $query) { score matchedTags contributions { tag share } product { id } } }`;
    const { data, errors } = await api.client.query(SEARCH_EXPLAINED, { query: "Red cups" });
    expect(errors).toBeUndefined();
    const results = data!.search as Array<{ score: number; matchedTags: string[]; contributions: Array<{ tag: string; share: number }>; product: { id: string } }>;
    expect(results[0]).toMatchObject({ matchedTags: ["color:red", "object:cup"], product: { id: products[0]!.id } });
    expect(new Set(results.slice(1).map((match) => match.product.id))).toEqual(new Set([products[1]!.id, products[3]!.id]));
    for (const [index, match] of results.entries()) {
      expect(match.score).toBeGreaterThan(0);
      expect(match.score).toBeLessThanOrEqual(1);
      if (index > 0) expect(match.score).toBeLessThanOrEqual(results[index - 1]!.score);
      const explained = match.contributions.reduce((sum, item) => sum + item.share, 0);
      expect(explained).toBeCloseTo(match.score, 6);
    }
  });

  it("matches materials and styles too, and honours the limit", async () => {
    const { data } = await api.client.query(SEARCH, { query: "wood vintage", limit: 1 });
    expect(data!.search).toHaveLength(1);
    expect([products[2]!.id, products[3]!.id]).toContain(data!.search[0].product.id);
  });

  it("returns nothing, not an error, when no tag matches", async () => {
    const { data, errors } = await api.client.query(SEARCH, { query: "spaceship" });
    expect(errors).toBeUndefined();
    expect(data!.search).toEqual([]);
  });

  it.each(["", "   ", "!!! ???"])("refuses a query with no words: %j", async (query) => {
    const { errors } = await api.client.query(SEARCH, { query });
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it.each([0, -1, 101])("refuses limit %d", async (limit) => {
    const { errors } = await api.client.query(SEARCH, { query: "cup", limit });
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("takes odd characters as plain words", async () => {
    for (const query of [`cup'; drop table product; --`, "red\\ ? | & cup", "ÇÀ ☕ cup"]) {
      const { data, errors } = await api.client.query(SEARCH, { query });
      expect(errors, query).toBeUndefined();
      expect(data!.search.map((match: { product: { id: string } }) => match.product.id)).toContain(products[0]!.id);
    }
  });
});
