import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { solidPng } from "../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { subscribe, subscriptionsClient } from "../support/subscriptions.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * deleteProduct takes everything of a product away: rows, stored photos,
 * queued analyses, tags (and their statistics); subscribers hear of it.
 */

const ADD = /* GraphQL */ `mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;
const DELETE = /* GraphQL */ `mutation ($id: ID!) { deleteProduct(id: $id) }`;

let red = 10;
async function addProduct(api: TestApp): Promise<string> {
  red += 11;
  const response = await api.client.upload<{ addProduct: { id: string } }>(ADD, { sourceUrl: `https://shop.example/d/${red}`, image: null }, [
    { variable: "variables.image", bytes: await solidPng(200, red % 256, 20), filename: "d.png" },
  ]);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.addProduct.id;
}

async function countsOf(api: TestApp, productId: string) {
  const [row] = await api.sql<Record<string, number>>(
    `select (select count(*)::int from product where id = $1) as product, (select count(*)::int from photo where product_id = $1) as photo,
            (select count(*)::int from analysis where product_id = $1) as analysis, (select count(*)::int from product_tag where product_id = $1) as tags,
            (select count(*)::int from photo_embedding where product_id = $1) as vectors`,
    [productId],
  );
  return row!;
}

describe("deleteProduct", () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startTestApp({}, pixelAnalysers());
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("removes the product's rows, stored photo and tag counts, tells subscribers, and a second delete is NOT_FOUND", async () => {
    const kept = await addProduct(api);
    const id = await addProduct(api);
    await waitForAnalysis(api.client, kept);
    await waitForAnalysis(api.client, id);
    expect(await countsOf(api, id)).toEqual({ product: 1, photo: 1, analysis: 1, tags: 2, vectors: 1 });
    const [before] = await api.sql<{ product_count: number }>("select product_count from tag_stats where tag = 'object:square'");
    const filesBefore = await api.storedFiles();

    const ws = subscriptionsClient(api.app.url);
    const removed = subscribe<{ productRemoved: string }>(ws, "subscription { productRemoved }");
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed before the delete
      const response = await api.client.query<{ deleteProduct: string }>(DELETE, { id });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(response.data!.deleteProduct).toBe(id);
      await removed.until((data) => data.productRemoved === id, 10_000);
    } finally {
      removed.dispose();
      await ws.dispose();
    }

    expect(await countsOf(api, id)).toEqual({ product: 0, photo: 0, analysis: 0, tags: 0, vectors: 0 });
    const [after] = await api.sql<{ product_count: number }>("select product_count from tag_stats where tag = 'object:square'");
    expect(after!.product_count).toBe(before!.product_count - 1);
    expect((await api.storedFiles()).length).toBe(filesBefore.length - 1);
    expect(await countsOf(api, kept)).toMatchObject({ product: 1, photo: 1 });

    const again = await api.client.query(DELETE, { id });
    expect(again.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const gone = await api.client.query(`query ($id: ID) { product(id: $id) { id } }`, { id });
    expect(gone.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("answers BAD_USER_INPUT for an id that is not one", async () => {
    expect((await api.client.query(DELETE, { id: "not-a-uuid" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("deleteProduct of a product whose analysis is still queued", () => {
  let api: TestApp;

  beforeAll(async () => {
    // No worker in this process: the analysis stays queued.
    api = await startTestApp({ RUN_WORKER: "false" }, pixelAnalysers());
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("drops the queued job with the rows, and leaves no stored photo", async () => {
    const id = await addProduct(api);
    const [analysis] = await api.sql<{ id: string }>("select id from analysis where product_id = $1", [id]);
    const queued = () => api.sql<{ n: number }>("select count(*)::int as n from pgboss.job where data->>'analysisId' = $1", [analysis!.id]);
    expect((await queued())[0]!.n).toBe(1);
    expect(await api.storedFiles()).toHaveLength(1);

    expect((await api.client.query(DELETE, { id })).errors).toBeUndefined();
    expect((await queued())[0]!.n).toBe(0);
    expect(await api.storedFiles()).toEqual([]);
    expect(await api.rowCounts()).toEqual({ product: 0, photo: 0 });
  });
});
