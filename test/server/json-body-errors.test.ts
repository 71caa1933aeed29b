import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** What a GraphQL client gets for a body the JSON parser refuses: a GraphQL error with a code, not an HTML page. */
let api: TestApp;

beforeAll(async () => {
  api = await startTestApp({}, pixelAnalysers());
});

afterAll(async () => {
  await api?.stop();
});

const post = (body: string) => fetch(api.client.endpoint, { method: "POST", headers: { "content-type": "application/json" }, body });

describe("JSON bodies", () => {
  it("refuses a body over the limit with 413 and REQUEST_TOO_LARGE, and writes nothing", async () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ imageUrl: `https://images.example/${"x".repeat(300)}/${i}.jpg`, sourceUrl: `https://shop.example/${i}` }));
    const response = await post(JSON.stringify({ query: "mutation ($items: [ImportItemInput!]!) { importProducts(items: $items) { id } }", variables: { items } }));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
    expect(body.errors[0]!.extensions).toEqual({ code: "REQUEST_TOO_LARGE", maxBytes: 1024 * 1024 });
    expect((await api.sql<{ n: number }>("select count(*)::int as n from product_import"))[0]!.n).toBe(0);
  });

  it("refuses a body that is not JSON with 400 and BAD_REQUEST", async () => {
    const response = await post('{"query": "{ __typename }"');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ extensions: Record<string, unknown> }> }).errors[0]!.extensions).toEqual({ code: "BAD_REQUEST" });
  });

  it("takes an import of 1,000 items of ordinary length in one request", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({
      imageUrl: `ftp://images.shop.example/catalogue/2026/products/${i}/main.jpg`,
      sourceUrl: `https://shop.example/products/${i}`,
      externalId: `SKU-${i}`,
      title: `Product number ${i}`,
    }));
    const response = await api.client.query<{ importProducts: { total: number; failed: number } }>(
      "mutation ($items: [ImportItemInput!]!) { importProducts(items: $items) { total failed } }",
      { items },
    );
    // ftp: every item is refused at once (IMPORT_URL_FORBIDDEN), so nothing is fetched; the request itself went through.
    expect(response.data!.importProducts).toEqual({ total: 1000, failed: 1000 });
  });
});
