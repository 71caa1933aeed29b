import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shadedPng } from "../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** ProductMatch.matchedPhoto: which of a product's photos matched the query. */

interface Match {
  product: { id: string };
  duplicate: "EXACT" | "NEAR" | null;
  matchedPhoto: { id: string; url: string } | null;
}

const ADD_PRODUCT = /* GraphQL */ `mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id photos { id } } }`;
const ADD_PHOTO = /* GraphQL */ `mutation ($productId: ID!, $image: Upload!) { addPhoto(productId: $productId, image: $image) { id } }`;
const MATCH = `product { id } duplicate matchedPhoto { id url }`;
const FIND_SIMILAR = /* GraphQL */ `mutation ($image: Upload!, $by: RankingSignal!) { findSimilarProducts(image: $image, by: $by) { matches { ${MATCH} } } }`;
const SIMILAR = /* GraphQL */ `query ($productId: ID!, $by: RankingSignal!) { similarProducts(productId: $productId, by: $by) { ${MATCH} } }`;
const SEARCH = /* GraphQL */ `{ search(query: "red square") { ${MATCH} } }`;

let api: TestApp;
/** The product with two photos, and its photos' ids and bytes. */
let twoPhotos: string;
const photos: Record<"red" | "blue", { id: string; bytes: Buffer }> = {} as never;
/** A product whose one photo looks like the blue one. */
let bluish: string;

const upload = <T>(query: string, variables: Record<string, unknown>, bytes: Buffer) =>
  api.client.upload<T>(query, { ...variables, image: null }, [{ variable: "variables.image", bytes, filename: "photo.png" }]);

async function addProduct(name: string, bytes: Buffer): Promise<{ id: string; photoId: string }> {
  const added = await upload<{ addProduct: { id: string; photos: Array<{ id: string }> } }>(ADD_PRODUCT, { sourceUrl: `https://shop.example/${name}` }, bytes);
  expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
  await waitForAnalysis(api.client, added.data!.addProduct.id);
  return { id: added.data!.addProduct.id, photoId: added.data!.addProduct.photos[0]!.id };
}

beforeAll(async () => {
  api = await startTestApp({}, pixelAnalysers());
  const red = await shadedPng(220, 20, 20, 1);
  const blue = await shadedPng(20, 20, 220, 2);
  const first = await addProduct("two-photos", red);
  twoPhotos = first.id;
  photos.red = { id: first.photoId, bytes: red };
  const second = await upload<{ addPhoto: { id: string } }>(ADD_PHOTO, { productId: twoPhotos }, blue);
  expect(second.errors, JSON.stringify(second.errors)).toBeUndefined();
  photos.blue = { id: second.data!.addPhoto.id, bytes: blue };
  expect((await waitForAnalysis(api.client, twoPhotos)).tags).toEqual(["color:blue", "color:red", "object:square"]);
  await addProduct("green", await shadedPng(20, 220, 20, 3));
  bluish = (await addProduct("bluish", await shadedPng(40, 30, 200, 4))).id;
});

afterAll(async () => {
  await api?.stop();
});

async function findSimilar(bytes: Buffer, by: string): Promise<Match> {
  const found = await upload<{ findSimilarProducts: { matches: Match[] } }>(FIND_SIMILAR, { by }, bytes);
  expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
  const match = found.data!.findSimilarProducts.matches.find((candidate) => candidate.product.id === twoPhotos);
  expect(match, `${by}: the two-photo product is among the matches`).toBeDefined();
  return match!;
}

describe("matchedPhoto", () => {
  it.each(["HYBRID", "VISUAL"])("is the product's photo that looks most like the query photo (%s)", async (by) => {
    const nearRed = await shadedPng(210, 35, 25, 10);
    const nearBlue = await shadedPng(25, 35, 210, 11);
    expect((await findSimilar(nearRed, by)).matchedPhoto?.id).toBe(photos.red.id);
    expect((await findSimilar(nearBlue, by)).matchedPhoto?.id).toBe(photos.blue.id);
  });

  it("is the photo that duplicates the query photo, exactly or nearly", async () => {
    for (const photo of [photos.red, photos.blue]) {
      const exact = await findSimilar(photo.bytes, "VISUAL");
      expect(exact).toMatchObject({ duplicate: "EXACT", matchedPhoto: { id: photo.id } });
      expect(exact.matchedPhoto!.url).toMatch(/^http/);
      const copy = await sharp(photo.bytes).resize(48).jpeg({ quality: 80 }).toBuffer();
      expect(await findSimilar(copy, "HYBRID")).toMatchObject({ duplicate: "NEAR", matchedPhoto: { id: photo.id } });
    }
  });

  it("is the photo nearest the stored product's look in similarProducts", async () => {
    const found = await api.client.query<{ similarProducts: Match[] }>(SIMILAR, { productId: bluish, by: "VISUAL" });
    expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
    expect(found.data!.similarProducts.find((match) => match.product.id === twoPhotos)?.matchedPhoto?.id).toBe(photos.blue.id);
  });

  it("is null when the ranking goes by tags or words", async () => {
    expect((await findSimilar(await shadedPng(210, 35, 25, 12), "TAGS")).matchedPhoto).toBeNull();
    const similar = await api.client.query<{ similarProducts: Match[] }>(SIMILAR, { productId: bluish, by: "TAGS" });
    expect(similar.data!.similarProducts.find((match) => match.product.id === twoPhotos)).toMatchObject({ matchedPhoto: null });
    expect(similar.data!.similarProducts.every((match) => match.matchedPhoto === null)).toBe(true);
    const searched = await api.client.query<{ search: Match[] }>(SEARCH);
    expect(searched.errors, JSON.stringify(searched.errors)).toBeUndefined();
    expect(searched.data!.search.find((match) => match.product.id === twoPhotos)).toMatchObject({ matchedPhoto: null });
    expect(searched.data!.search.every((match) => match.matchedPhoto === null)).toBe(true);
  });
});
