import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shadedPng } from "../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * filter.attributes in search, findSimilarProducts and similarProducts: every
 * pair must hold, exactly. All the products are red squares (the same tags,
 * much the same look), so only their attributes tell them apart.
 */

type Attributes = Array<{ name: string; value: string }>;
interface Matches {
  errors?: Array<{ extensions?: { code?: string } }>;
  ids: string[];
}

const ADD = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!, $attributes: [ProductAttributeInput!]) {
    addProduct(sourceUrl: $sourceUrl, image: $image, attributes: $attributes) { id }
  }`;
const SEARCH = /* GraphQL */ `
  query ($filter: ProductFilter) { search(query: "red square", limit: 20, filter: $filter) { product { id } } }`;
const FIND_SIMILAR = /* GraphQL */ `
  mutation ($image: Upload!, $by: RankingSignal!, $filter: ProductFilter) {
    findSimilarProducts(image: $image, by: $by, limit: 20, filter: $filter) { matches { product { id } } }
  }`;
const SIMILAR = /* GraphQL */ `
  query ($productId: ID!, $by: RankingSignal!, $filter: ProductFilter) {
    similarProducts(productId: $productId, by: $by, limit: 20, filter: $filter) { product { id } }
  }`;

let api: TestApp;
const ids: Record<string, string> = {};
const photos: Record<string, Buffer> = {};
let query: Buffer;

beforeAll(async () => {
  api = await startTestApp({}, pixelAnalysers());
  const products: Array<[string, Attributes]> = [
    ["acme-large", [{ name: "brand", value: "acme" }, { name: "size", value: "L" }]],
    ["acme-medium", [{ name: "brand", value: "acme" }, { name: "size", value: "M" }]],
    ["globex-large", [{ name: "brand", value: "globex" }, { name: "size", value: "L" }]],
    ["plain", []],
  ];
  for (const [index, [name, attributes]] of products.entries()) {
    photos[name] = await shadedPng(200 + index * 5, 20, 20 + index * 5, index + 1);
    const added = await api.client.upload<{ addProduct: { id: string } }>(
      ADD,
      { sourceUrl: `https://shop.example/${name}`, image: null, attributes },
      [{ variable: "variables.image", bytes: photos[name]!, filename: `${name}.png` }],
    );
    expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
    ids[name] = added.data!.addProduct.id;
    expect((await waitForAnalysis(api.client, ids[name]!)).analysis.status).toBe("READY");
  }
  query = await shadedPng(205, 25, 25, 99);
});

afterAll(async () => {
  await api?.stop();
});

const idsOf = (...names: string[]) => names.map((name) => ids[name]).sort();
const sorted = (response: { errors?: Matches["errors"] }, found: Array<{ product: { id: string } }> | undefined): Matches => ({
  errors: response.errors,
  ids: (found ?? []).map((match) => match.product.id).sort(),
});

async function search(attributes: Attributes | null): Promise<Matches> {
  const response = await api.client.query<{ search: Array<{ product: { id: string } }> }>(SEARCH, { filter: { attributes } });
  return sorted(response, response.data?.search);
}

async function findSimilar(by: string, attributes: Attributes | null, image = query): Promise<Matches> {
  const response = await api.client.upload<{ findSimilarProducts: { matches: Array<{ product: { id: string } }> } }>(
    FIND_SIMILAR,
    { image: null, by, filter: { attributes } },
    [{ variable: "variables.image", bytes: image, filename: "query.png" }],
  );
  return sorted(response, response.data?.findSimilarProducts.matches);
}

async function similar(by: string, attributes: Attributes | null): Promise<Matches> {
  const response = await api.client.query<{ similarProducts: Array<{ product: { id: string } }> }>(SIMILAR, { productId: ids.plain, by, filter: { attributes } });
  return sorted(response, response.data?.similarProducts);
}

const ACME: Attributes = [{ name: "brand", value: "acme" }];
const ACME_LARGE: Attributes = [{ name: "brand", value: "acme" }, { name: "size", value: "L" }];

/** Each ranking, and the products it finds when nothing is filtered. */
const rankings: Array<{ ranking: string; run: (attributes: Attributes | null) => Promise<Matches>; all: string[] }> = [
  { ranking: "search", run: search, all: ["acme-large", "acme-medium", "globex-large", "plain"] },
  ...["HYBRID", "VISUAL", "TAGS"].flatMap((by) => [
    { ranking: `findSimilarProducts by ${by}`, run: (attributes: Attributes | null) => findSimilar(by, attributes), all: ["acme-large", "acme-medium", "globex-large", "plain"] },
    // similarProducts starts from "plain", which it never lists.
    { ranking: `similarProducts by ${by}`, run: (attributes: Attributes | null) => similar(by, attributes), all: ["acme-large", "acme-medium", "globex-large"] },
  ]),
];

describe.each(rankings)("filter.attributes in $ranking", ({ run, all }) => {
  it("finds every product without the filter, or with an empty list", async () => {
    for (const attributes of [null, []]) {
      const found = await run(attributes);
      expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
      expect(found.ids).toEqual(idsOf(...all));
    }
  });

  it("keeps only the products with the pair", async () => {
    const found = await run(ACME);
    expect(found.errors, JSON.stringify(found.errors)).toBeUndefined();
    expect(found.ids).toEqual(idsOf("acme-large", "acme-medium"));
  });

  it("keeps only the products with both pairs", async () => {
    expect((await run(ACME_LARGE)).ids).toEqual(idsOf("acme-large"));
  });

  it("matches values exactly: another case or an unknown value finds nothing", async () => {
    expect((await run([{ name: "brand", value: "ACME" }])).ids).toEqual([]);
    expect((await run([{ name: "brand", value: "initech" }])).ids).toEqual([]);
    expect((await run([{ name: "colour", value: "L" }])).ids).toEqual([]);
  });

  it.each([
    ["a blank value", [{ name: "brand", value: " " }]],
    ["a name given twice", [{ name: "brand", value: "acme" }, { name: "brand", value: "globex" }]],
    ["too many pairs", Array.from({ length: 21 }, (_, index) => ({ name: `a${index}`, value: "v" }))],
    ["a value over 256 characters", [{ name: "brand", value: "x".repeat(257) }]],
  ])("refuses %s with BAD_USER_INPUT", async (_case, attributes) => {
    const refused = await run(attributes);
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("filter.attributes and duplicates", () => {
  it("leaves out a duplicate of the query photo that lacks the attributes, though duplicates rank first", async () => {
    for (const by of ["HYBRID", "VISUAL"]) {
      // The very bytes of globex-large's photo: an EXACT duplicate of it.
      expect((await findSimilar(by, null, photos["globex-large"])).ids).toContain(ids["globex-large"]);
      expect((await findSimilar(by, ACME, photos["globex-large"])).ids).toEqual(idsOf("acme-large", "acme-medium"));
    }
  });
});
