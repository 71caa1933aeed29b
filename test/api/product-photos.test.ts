import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, solidPng } from "../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Several photos per product: addPhoto and removePhoto, and a product found by any of its photos. */

const ADD_PRODUCT = /* GraphQL */ `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/two-photos", image: $image) { id } }`;
const ADD_PHOTO = /* GraphQL */ `mutation ($productId: ID!, $image: Upload!) { addPhoto(productId: $productId, image: $image) { id sha256 } }`;
const REMOVE_PHOTO = /* GraphQL */ `mutation ($photoId: ID!) { removePhoto(photoId: $photoId) { id tags photos { id } } }`;
const FIND = /* GraphQL */ `mutation ($image: Upload!) { findSimilarProducts(image: $image, by: VISUAL, limit: 3) { matches { product { id } visualScore } } }`;

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp({}, pixelAnalysers());
});

afterAll(async () => {
  await api?.stop();
});

const upload = (query: string, variables: Record<string, unknown>, bytes: Buffer) =>
  api.client.upload<Record<string, any>>(query, { ...variables, image: null }, [{ variable: "variables.image", bytes, filename: "p.png" }]);

describe("a product with two photos", () => {
  it("takes a second photo, is tagged and found by either, and gives one back", async () => {
    const red = await solidPng(220, 20, 20, 48);
    const blue = await solidPng(20, 20, 220, 48);
    const id = (await upload(ADD_PRODUCT, {}, red)).data!.addProduct.id as string;
    await waitForAnalysis(api.client, id);
    // Another product, so that "first" means something.
    const green = (await api.client.upload<Record<string, any>>(
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/green", image: $image) { id } }`,
      { image: null },
      [{ variable: "variables.image", bytes: await solidPng(20, 220, 20, 48), filename: "g.png" }],
    )).data!.addProduct.id as string;
    await waitForAnalysis(api.client, green);

    const added = await upload(ADD_PHOTO, { productId: id }, blue);
    expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
    expect(added.data!.addPhoto.sha256).toBe(sha256(blue));
    const analysed = await waitForAnalysis(api.client, id);
    expect(analysed.analysis.status).toBe("READY");
    expect(analysed.tags).toEqual(["color:blue", "color:red", "object:square"]);

    for (const query of [await solidPng(210, 30, 25, 40), await solidPng(25, 30, 210, 40)]) {
      const found = await upload(FIND, {}, query);
      expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
      expect(found.data!.findSimilarProducts.matches[0].product.id).toBe(id);
    }

    const filesBefore = (await api.storedFiles()).length;
    const removed = await api.client.query<Record<string, any>>(REMOVE_PHOTO, { photoId: added.data!.addPhoto.id });
    expect(removed.errors, JSON.stringify(removed.errors)).toBeUndefined();
    expect(removed.data!.removePhoto.tags).toEqual(["color:red", "object:square"]);
    expect(removed.data!.removePhoto.photos).toHaveLength(1);
    expect(await api.storedFiles()).toHaveLength(filesBefore - 1);
    const [vectors] = await api.sql<{ n: number }>("select count(*)::int as n from photo_embedding where product_id = $1", [id]);
    expect(vectors!.n).toBe(1);

    // Its last photo stays: delete the product instead.
    const last = await api.client.query<Record<string, any>>(REMOVE_PHOTO, { photoId: removed.data!.removePhoto.photos[0].id });
    expect(last.errors?.[0]?.extensions?.code).toBe("LAST_PHOTO");
    const [photos] = await api.sql<{ n: number }>("select count(*)::int as n from photo where product_id = $1", [id]);
    expect(photos!.n).toBe(1);
    expect((await api.client.query(REMOVE_PHOTO, { photoId: added.data!.addPhoto.id })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("refuses a photo already stored, or for no such product, and stores nothing", async () => {
    const bytes = await solidPng(120, 120, 20, 48);
    const id = (await api.client.upload<Record<string, any>>(
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/yellow", image: $image) { id } }`,
      { image: null },
      [{ variable: "variables.image", bytes, filename: "y.png" }],
    )).data!.addProduct.id as string;
    const before = await api.rowCounts();
    const files = (await api.storedFiles()).length;
    expect((await upload(ADD_PHOTO, { productId: id }, bytes)).errors?.[0]?.extensions?.code).toBe("DUPLICATE_IMAGE");
    const other = await solidPng(120, 20, 120, 48);
    expect((await upload(ADD_PHOTO, { productId: "00000000-0000-4000-8000-000000000000" }, other)).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect((await upload(ADD_PHOTO, { productId: id }, Buffer.from("not an image"))).errors?.[0]?.extensions?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await api.rowCounts()).toEqual(before);
    expect(await api.storedFiles()).toHaveLength(files);
  });
});
