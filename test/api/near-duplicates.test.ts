import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { fixtureUpload, type UploadPart } from "../support/graphql-client.js";
import { features } from "../support/images.js";
import { metricValue } from "../support/metrics.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * Photo.nearDuplicates over real HTTP: copies of a fixture photo (re-encoded,
 * resized, slightly cropped) find the original and each other; an unrelated
 * photo finds none of them. Analysis plays no part: the hash is taken at intake.
 */

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id photos { id } } }`;
const NEAR_DUPLICATES = /* GraphQL */ `
  query ($id: ID!) { photo(id: $id) { id nearDuplicates { distance photo { id width height } } } }`;

let llm: ChatCompletionsServer;
let api: TestApp;
const photoIds: Record<string, string> = {};

async function addPhoto(name: string, image: UploadPart): Promise<void> {
  const response = await api.client.upload(ADD_PRODUCT, { sourceUrl: `https://shop.example/near/${name}`, image: null }, [image]);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  photoIds[name] = response.data!.addProduct.photos[0].id;
  await waitForAnalysis(api.client, response.data!.addProduct.id); // so no analysis runs SQL while statements are counted
}

async function nearDuplicatesOf(name: string): Promise<Array<{ distance: number; photo: { id: string } }>> {
  const { data, errors } = await api.client.query(NEAR_DUPLICATES, { id: photoIds[name] });
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data!.photo.nearDuplicates;
}

const nameOf = (photoId: string) => Object.keys(photoIds).find((name) => photoIds[name] === photoId);

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  await llm.setDefault({ kind: "features", features: features({ cat: ["gray"] }) });
  const original = await fixtureUpload("chelsea.png");
  const { width = 0, height = 0 } = await sharp(original.bytes).metadata();
  const [left, top] = [Math.round(width * 0.02), Math.round(height * 0.02)];
  const copies = {
    reencoded: await sharp(original.bytes).jpeg({ quality: 60 }).toBuffer(),
    resized: await sharp(original.bytes).resize(Math.round(width / 2)).png().toBuffer(),
    cropped: await sharp(original.bytes).extract({ left, top, width: width - 2 * left, height: height - 2 * top }).png().toBuffer(),
  };
  await addPhoto("original", original);
  for (const [name, bytes] of Object.entries(copies)) await addPhoto(name, { variable: "variables.image", bytes, filename: `${name}.img` });
  await addPhoto("unrelated", await fixtureUpload("coffee.png"));
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

describe("Photo.nearDuplicates", () => {
  it("lists the re-encoded, resized and cropped copies of a photo, closest first, with their small distances", async () => {
    const found = await nearDuplicatesOf("original");
    // Measured: re-encoded 0 bits, resized 0, cropped by 2% on each side 4 (the default threshold is 8).
    expect(Object.fromEntries(found.map(({ distance, photo }) => [nameOf(photo.id), distance]))).toEqual({ reencoded: 0, resized: 0, cropped: 4 });
    expect(found.map(({ distance }) => distance)).toEqual(found.map(({ distance }) => distance).sort((a, b) => a - b));
  });

  it("lists the original among a copy's near duplicates, and never the photo itself", async () => {
    const found = (await nearDuplicatesOf("cropped")).map(({ photo }) => nameOf(photo.id));
    expect(found).toContain("original");
    expect(found).not.toContain("cropped");
  });

  it("does not list an unrelated photo, nor list anything for it", async () => {
    expect((await nearDuplicatesOf("original")).map(({ photo }) => nameOf(photo.id))).not.toContain("unrelated");
    expect(await nearDuplicatesOf("unrelated")).toEqual([]);
  });

  it("is batched: near duplicates of a whole page of photos take one query (no N+1)", async () => {
    const query = `{ products(first: 10) { edges { node { photos { id nearDuplicates { distance photo { id } } } } } } }`;
    const before = await metricValue(api.app.url, "lookalike_sql_statements_total");
    const { data, errors } = await api.client.query(query);
    const after = await metricValue(api.app.url, "lookalike_sql_statements_total");
    expect(errors).toBeUndefined();
    expect(data!.products.edges).toHaveLength(5);
    expect(after - before).toBe(3); // the page, its photos, their near duplicates
  });

  it("does not stop findSimilarProducts from taking a stored photo as its query", async () => {
    const response = await api.client.upload(
      `mutation ($image: Upload!) { findSimilarProducts(image: $image) { matches { product { id } } } }`,
      { image: null },
      [await fixtureUpload("chelsea.png")],
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  });
});
