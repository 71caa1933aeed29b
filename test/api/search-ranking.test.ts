import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageFeatures } from "../../src/analysis/features.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { addProductAndWait } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Ranking users can trust: weights, explanations, thresholds, filters, synonyms, text search, image-to-image. */

interface Match {
  score: number;
  matchedTags: string[];
  contributions: Array<{ tag: string; share: number }>;
  product: { id: string; sourceUrl: string };
}

const MATCH = `score matchedTags contributions { tag share } product { id sourceUrl }`;
const SEARCH = `query ($query: String!, $limit: Int, $minScore: Float, $filter: ProductFilter) {
  search(query: $query, limit: $limit, minScore: $minScore, filter: $filter) { ${MATCH} } }`;
const SIMILAR = `query ($id: ID!, $limit: Int, $minScore: Float, $filter: ProductFilter) {
  similarProducts(productId: $id, limit: $limit, minScore: $minScore, filter: $filter) { ${MATCH} } }`;

let llm: ChatCompletionsServer;
let api: TestApp;
const ids: Record<string, string> = {};
let colorOnlyAddedAt = "";

async function add(name: string, tagged: ImageFeatures, path = `p/${name}`) {
  const bytes = await solidPng(Object.keys(ids).length * 17, 120, 60);
  await llm.script(sha256(bytes), [{ kind: "features", features: tagged }]);
  const product = await addProductAndWait(api.client, `https://shop.example/${path}`, { variable: "variables.image", bytes, filename: `${name}.png` });
  expect(product.analysis.status).toBe("READY");
  ids[name] = product.id;
}

const search = async (variables: Record<string, unknown>) => api.client.query<{ search: Match[] }>(SEARCH, variables);
const similar = async (variables: Record<string, unknown>) => api.client.query<{ similarProducts: Match[] }>(SIMILAR, variables);

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  await add("red-cup", features({ cup: ["red"] }));
  await add("blue-cup", features({ mug: ["blue"] })); // a mug is stored as a cup
  await add("red-sofa", features({ sofa: ["red"] }, ["vintage"]));
  await add("red-lamp", features({ lamp: ["red"] }));
  await add("navy-lamp", features({ lamp: ["navy"] }));
  await add("tv", features({ tv: ["black"] }));
  await add("vase", features({ vase: ["orange"] }, [], "A handmade terracotta vase on a sunny windowsill."));
  colorOnlyAddedAt = new Date().toISOString();
  await add("espresso", features({ machine: ["silver"] }), "products/vintage-espresso-maker");
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

const idsOf = (matches: Match[]) => matches.map((match) => match.product.id);

describe("search by words", () => {
  it("finds a cup for 'red mug' (synonym), the red cup first, and explains each score", async () => {
    const { data, errors } = await search({ query: "red mug" });
    expect(errors).toBeUndefined();
    const matches = data!.search;
    expect(matches[0]!.product.id).toBe(ids["red-cup"]);
    expect(idsOf(matches)).toContain(ids["blue-cup"]);
    for (const match of matches) {
      expect(match.contributions.reduce((sum, item) => sum + item.share, 0)).toBeCloseTo(match.score, 6);
    }
  });

  it.each([
    ["sofa", "red-sofa"],
    ["couches", "red-sofa"],
    ["television", "tv"],
    ["TV", "tv"],
  ])("finds %j through the shared vocabulary", async (query, name) => {
    const { data } = await search({ query });
    expect(data!.search[0]!.product.id).toBe(ids[name]);
  });

  it("finds words of the product page's address by full-text search", async () => {
    const { data } = await search({ query: "espresso" });
    expect(data!.search[0]).toMatchObject({ product: { id: ids.espresso }, contributions: [{ tag: "full-text" }] });
  });

  it("finds words only the caption has, and keeps the LLM's caption on the product and its photo", async () => {
    const { data, errors } = await search({ query: "windowsill" });
    expect(errors).toBeUndefined();
    expect(data!.search).toHaveLength(1);
    expect(data!.search[0]).toMatchObject({ product: { id: ids.vase }, matchedTags: [], contributions: [{ tag: "full-text" }] });
    const stored = await api.client.query<{ product: { caption: string; photos: Array<{ features: { caption: string } }> } }>(
      `query ($id: ID!) { product(id: $id) { caption photos { features { caption } } } }`,
      { id: ids.vase },
    );
    const caption = "A handmade terracotta vase on a sunny windowsill.";
    expect(stored.data!.product).toEqual({ caption, photos: [{ features: { caption } }] });
  });

  it("applies filters and the threshold", async () => {
    const red = await search({ query: "red", filter: { objectType: "lamp" } });
    expect(idsOf(red.data!.search)).toEqual([ids["red-lamp"]]);
    const recent = await search({ query: "lamp espresso machine", filter: { createdAfter: colorOnlyAddedAt } });
    expect(idsOf(recent.data!.search)).toEqual([ids.espresso]);
    const strict = await search({ query: "red mug", minScore: 0.99 });
    expect(strict.data!.search.every((match) => match.score >= 0.99)).toBe(true);
    expect(strict.data!.search.length).toBeLessThan((await search({ query: "red mug" })).data!.search.length);
  });

  it.each([
    [{ query: "" }, "BAD_USER_INPUT"],
    [{ query: "the of and with" }, "BAD_USER_INPUT"],
    [{ query: "cup", limit: 0 }, "BAD_USER_INPUT"],
    [{ query: "cup", limit: 101 }, "BAD_USER_INPUT"],
    [{ query: "cup", minScore: -0.1 }, "BAD_USER_INPUT"],
    [{ query: "cup", minScore: 1.01 }, "BAD_USER_INPUT"],
  ])("refuses %j", async (variables, code) => {
    const { errors } = await search(variables);
    expect(errors?.[0]?.extensions?.code).toBe(code);
  });

  it("takes quotes, backslashes, ?, |, & and unicode as plain words", async () => {
    for (const query of [`cup' or 1=1 --`, `red\\ "cup"`, "cup ? | & !", "tasse ☕ cup", "(cup) :* <-> !red"]) {
      const { data, errors } = await search({ query });
      expect(errors, query).toBeUndefined();
      expect(idsOf(data!.search), query).toContain(ids["red-cup"]);
    }
  });
});

describe("similarProducts (image to image, from the stored analysis)", () => {
  it("ranks the other cup first and never lists the product itself", async () => {
    const { data, errors } = await similar({ id: ids["red-cup"] });
    expect(errors).toBeUndefined();
    const found = idsOf(data!.similarProducts);
    expect(found).not.toContain(ids["red-cup"]);
    // The object weighs more than the colour: the blue cup beats the red sofa and the red lamp.
    expect(found[0]).toBe(ids["blue-cup"]);
  });

  it("weighs rare tags more: a navy lamp is closer to a navy lamp than a red one is", async () => {
    const { data } = await similar({ id: ids["navy-lamp"] });
    expect(data!.similarProducts[0]!.product.id).toBe(ids["red-lamp"]);
    const { data: fromRed } = await similar({ id: ids["red-lamp"] });
    const navy = fromRed!.similarProducts.find((match) => match.product.id === ids["navy-lamp"])!;
    const redSofa = fromRed!.similarProducts.find((match) => match.product.id === ids["red-sofa"])!;
    // Sharing "lamp" (3 objects' weight) beats sharing "red" (common colour).
    expect(navy.score).toBeGreaterThan(redSofa.score);
  });

  it("applies a colour filter and a threshold", async () => {
    const { data } = await similar({ id: ids["red-cup"], filter: { color: "red" } });
    expect(new Set(idsOf(data!.similarProducts))).toEqual(new Set([ids["red-sofa"], ids["red-lamp"]]));
    const { data: strict } = await similar({ id: ids["red-cup"], minScore: 0.5 });
    expect(strict!.similarProducts.every((match) => match.score >= 0.5)).toBe(true);
  });

  it.each([
    ["00000000-0000-4000-8000-000000000000", "NOT_FOUND"],
    ["not-an-id", "BAD_USER_INPUT"],
  ])("refuses product %s", async (id, code) => {
    const { errors } = await similar({ id });
    expect(errors?.[0]?.extensions?.code).toBe(code);
  });
});
