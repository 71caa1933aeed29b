import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { solidPng } from "../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** A product's own details, as a shop keeps them: its SKU, a title and free-form attributes. */

const ADD = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!, $externalId: String, $title: String, $attributes: [ProductAttributeInput!]) {
    addProduct(sourceUrl: $sourceUrl, image: $image, externalId: $externalId, title: $title, attributes: $attributes) {
      id externalId title attributes { name value }
    }
  }`;
const BY_EXTERNAL_ID = /* GraphQL */ `query ($externalId: String) { product(externalId: $externalId) { id externalId title attributes { name value } } }`;

let api: TestApp;
let colour = 0;

beforeAll(async () => {
  api = await startTestApp({}, pixelAnalysers());
});

afterAll(async () => {
  await api?.stop();
});

async function add(variables: Record<string, unknown>) {
  colour += 7;
  const bytes = await solidPng(colour % 256, 80, 160);
  return api.client.upload<{ addProduct: { id: string; externalId: string | null; title: string | null; attributes: Array<{ name: string; value: string }> } }>(
    ADD,
    { sourceUrl: `https://shop.example/p/${colour}`, image: null, ...variables },
    [{ variable: "variables.image", bytes, filename: "p.png" }],
  );
}

describe("product details", () => {
  it("are stored trimmed, read back by externalId, and the attributes come sorted by name", async () => {
    const added = await add({ externalId: " SKU-1 ", title: "Trail running shoe", attributes: [{ name: "size", value: "42" }, { name: "brand", value: " Acme " }] });
    expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
    expect(added.data!.addProduct).toMatchObject({
      externalId: "SKU-1",
      title: "Trail running shoe",
      attributes: [{ name: "brand", value: "Acme" }, { name: "size", value: "42" }],
    });
    const found = await api.client.query<{ product: { id: string } }>(BY_EXTERNAL_ID, { externalId: "SKU-1" });
    expect(found.data!.product.id).toBe(added.data!.addProduct.id);
    const byId = await api.client.query<{ product: { attributes: unknown[] } }>(`query ($id: ID) { product(id: $id) { attributes { name value } } }`, {
      id: added.data!.addProduct.id,
    });
    expect(byId.data!.product.attributes).toHaveLength(2);
  });

  it("are optional: a product without them has nulls and no attributes", async () => {
    const added = await add({});
    expect(added.data!.addProduct).toMatchObject({ externalId: null, title: null, attributes: [] });
  });

  it("refuse a second product with the same externalId, storing nothing", async () => {
    const first = await add({ externalId: "SKU-dup" });
    const before = await api.rowCounts();
    const second = await add({ externalId: "SKU-dup" });
    expect(second.errors?.[0]?.extensions).toMatchObject({ code: "DUPLICATE_EXTERNAL_ID", existingProductId: first.data!.addProduct.id });
    expect(await api.rowCounts()).toEqual(before);
    expect(await api.storedFiles()).toHaveLength(before.photo);
  });

  it.each([
    ["too many attributes", { attributes: Array.from({ length: 21 }, (_, i) => ({ name: `a${i}`, value: "v" })) }],
    ["an attribute named twice", { attributes: [{ name: "brand", value: "a" }, { name: "brand", value: "b" }] }],
    ["an empty attribute value", { attributes: [{ name: "brand", value: " " }] }],
    ["a title over 500 characters", { title: "x".repeat(501) }],
    ["control characters in the externalId", { externalId: "SKU\u0000" }],
  ])("refuse %s with BAD_USER_INPUT, storing nothing", async (_case, variables) => {
    const before = await api.rowCounts();
    const refused = await add(variables);
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await api.rowCounts()).toEqual(before);
  });

  it("lets full-text search find a product by its title", async () => {
    const added = await add({ title: "Marmalade teapot" });
    await waitForAnalysis(api.client, added.data!.addProduct.id);
    const found = await api.client.query<{ search: Array<{ product: { id: string } }> }>(`{ search(query: "marmalade") { product { id } } }`);
    expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
    expect(found.data!.search.map((match) => match.product.id)).toEqual([added.data!.addProduct.id]);
  });

  it("asks for exactly one of id and externalId, and answers NOT_FOUND for an unknown externalId", async () => {
    expect((await api.client.query(`{ product { id } }`)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await api.client.query(`{ product(id: "00000000-0000-4000-8000-000000000000", externalId: "x") { id } }`)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await api.client.query(BY_EXTERNAL_ID, { externalId: "no-such-sku" })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});

const UPDATE = /* GraphQL */ `
  mutation ($id: ID!, $input: UpdateProductInput!) {
    updateProduct(id: $id, input: $input) { id sourceUrl externalId title attributes { name value } }
  }`;

describe("updateProduct", () => {
  it("changes only the fields given, clears with null, and search follows the new title", async () => {
    const added = await add({ externalId: "SKU-u1", title: "Old name", attributes: [{ name: "brand", value: "acme" }] });
    const id = added.data!.addProduct.id;
    await waitForAnalysis(api.client, id);
    const renamed = await api.client.query<{ updateProduct: Record<string, unknown> }>(UPDATE, { id, input: { title: "Walnut bookshelf" } });
    expect(renamed.errors, JSON.stringify(renamed.errors)).toBeUndefined();
    expect(renamed.data!.updateProduct).toMatchObject({ externalId: "SKU-u1", title: "Walnut bookshelf", attributes: [{ name: "brand", value: "acme" }] });
    const found = await api.client.query<{ search: Array<{ product: { id: string } }> }>(`{ search(query: "walnut") { product { id } } }`);
    expect(found.data!.search.map((match) => match.product.id)).toEqual([id]);
    expect((await api.client.query<{ search: unknown[] }>(`{ search(query: "old name") { product { id } } }`)).data!.search).toEqual([]);

    const moved = await api.client.query<{ updateProduct: Record<string, unknown> }>(UPDATE, {
      id,
      input: { sourceUrl: "https://shop.example/moved", externalId: null, attributes: [] },
    });
    expect(moved.data!.updateProduct).toMatchObject({ sourceUrl: "https://shop.example/moved", externalId: null, title: "Walnut bookshelf", attributes: [] });
    expect((await api.client.query(BY_EXTERNAL_ID, { externalId: "SKU-u1" })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("refuses a sourceUrl or externalId another product has, with the codes addProduct gives, and changes nothing", async () => {
    const first = (await add({ externalId: "SKU-a" })).data!.addProduct;
    const second = (await add({ externalId: "SKU-b" })).data!.addProduct;
    const [firstRow] = await api.sql<{ source_url: string }>("select source_url from product where id = $1", [first.id]);
    const sameUrl = await api.client.query(UPDATE, { id: second.id, input: { sourceUrl: firstRow!.source_url, title: "changed" } });
    expect(sameUrl.errors?.[0]?.extensions).toMatchObject({ code: "DUPLICATE_SOURCE_URL", existingProductId: first.id });
    const sameSku = await api.client.query(UPDATE, { id: second.id, input: { externalId: "SKU-a", title: "changed" } });
    expect(sameSku.errors?.[0]?.extensions).toMatchObject({ code: "DUPLICATE_EXTERNAL_ID", existingProductId: first.id });
    const [after] = await api.sql<{ external_id: string; title: string | null }>("select external_id, title from product where id = $1", [second.id]);
    expect(after).toEqual({ external_id: "SKU-b", title: null });
    // Its own values are no conflict.
    expect((await api.client.query(UPDATE, { id: second.id, input: { externalId: "SKU-b" } })).errors).toBeUndefined();
  });

  it("answers NOT_FOUND for no such product, and BAD_USER_INPUT for a cleared sourceUrl or a bad value", async () => {
    const id = (await add({})).data!.addProduct.id;
    expect((await api.client.query(UPDATE, { id: "00000000-0000-4000-8000-000000000000", input: { title: "x" } })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect((await api.client.query(UPDATE, { id, input: { sourceUrl: null } })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await api.client.query(UPDATE, { id, input: { sourceUrl: "ftp://shop.example/x" } })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await api.client.query(UPDATE, { id, input: { title: "x".repeat(501) } })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
