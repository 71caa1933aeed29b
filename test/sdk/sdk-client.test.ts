import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { print } from "graphql";
import {
  AddProductDocument,
  AnalysisFailedError,
  AnalysisProgressDocument,
  type AnalysisProgressSubscription,
  createLookalikeClient,
  FindSimilarProductsDocument,
  LookalikeRequestError,
  PhotoDocument,
  ProductDocument,
  ProductsDocument,
  RetryAnalysisDocument,
  SearchDocument,
  waitForAnalysis,
  type LookalikeClient,
} from "../../src/sdk/index.js";
import { extractFiles } from "../../src/sdk/multipart.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { subscribe, subscriptionsClient } from "../support/subscriptions.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

let llm: ChatCompletionsServer;
let api: TestApp;
let sdk: LookalikeClient;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, OPENAI_MAX_RETRIES: "0", ANALYSIS_RETRY_LIMIT: "0" });
  await llm.setDefault({ kind: "features", features: features({ cup: ["red"] }) });
  sdk = createLookalikeClient({ url: `${api.app.url}/graphql` });
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

describe("the SDK client against the real server", () => {
  it("uploads with addProduct, then reads the product, its photo and the catalogue", async () => {
    const bytes = await readFile("test/fixtures/coffee.png");
    const photo = new File([bytes], "coffee.png", { type: "image/png" });
    const { addProduct } = await sdk.request(AddProductDocument, { sourceUrl: "https://shop.example/sdk/coffee", image: photo });
    expect(addProduct.sourceUrl).toBe("https://shop.example/sdk/coffee");
    expect(addProduct.photos[0]).toMatchObject({ mimeType: "image/png", width: 600, height: 400 });

    expect((await waitForAnalysis(sdk, addProduct.id, { timeoutMs: 20_000, intervalMs: 100 })).tags).toEqual(["color:red", "object:cup"]);
    const { product } = await sdk.request(ProductDocument, { id: addProduct.id });
    expect(product.id).toBe(addProduct.id);
    const { photo: stored } = await sdk.request(PhotoDocument, { id: addProduct.photos[0]!.id });
    expect(stored).toMatchObject({ sha256: sha256(bytes), byteSize: bytes.length });
    expect(stored.features?.mainObjects[0]?.objectType).toBe("cup");

    // A Blob without a name uploads too.
    await sdk.request(AddProductDocument, { sourceUrl: "https://shop.example/sdk/blue", image: new Blob([await solidPng(0, 0, 255)]) });
    const first = await sdk.request(ProductsDocument, { first: 1 });
    expect(first.products.edges.map((edge) => edge.node.sourceUrl)).toEqual(["https://shop.example/sdk/blue"]);
    expect(first.products.pageInfo.hasNextPage).toBe(true);
    const rest = await sdk.request(ProductsDocument, { first: 10, after: first.products.pageInfo.endCursor });
    expect(rest.products.edges.map((edge) => edge.node.sourceUrl)).toEqual(["https://shop.example/sdk/coffee"]);
    expect((await sdk.request(ProductsDocument)).products.edges).toHaveLength(2); // every variable has a default
  });

  it("finds similar products by photo and by words", async () => {
    // by TAGS: the scripted tagger's tags decide (HYBRID would rank this dark square by its look).
    const { findSimilarProducts } = await sdk.request(FindSimilarProductsDocument, { image: new Blob([await solidPng(9, 9, 9)]), limit: 5, by: "TAGS" });
    expect(findSimilarProducts.queryTags).toEqual(["color:red", "object:cup"]);
    expect(findSimilarProducts.matches.length).toBeGreaterThan(0);
    expect(findSimilarProducts.matches[0]).toMatchObject({ matchedTags: ["color:red", "object:cup"] });
    expect(findSimilarProducts.matches[0]!.score).toBeGreaterThan(0.5);
    expect(findSimilarProducts.matches[0]!.score).toBeLessThanOrEqual(1);
    const { search } = await sdk.request(SearchDocument, { query: "red cup" });
    expect(search.map((match) => match.product.sourceUrl)).toContain("https://shop.example/sdk/coffee");
  });

  it("throws the server's error code", async () => {
    const error = await sdk.request(ProductDocument, { id: "00000000-0000-0000-0000-000000000000" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LookalikeRequestError);
    expect((error as LookalikeRequestError).code).toMatch(/^(NOT_FOUND|BAD_USER_INPUT)$/);
  });
});

describe("the analysis lifecycle through the SDK", () => {
  it("reports a failed analysis, and retries it", async () => {
    const photo = await solidPng(1, 2, 3);
    await llm.script(sha256(photo), [{ kind: "status", status: 400 }, { kind: "features", features: features({ vase: ["blue"] }) }]);
    const { addProduct } = await sdk.request(AddProductDocument, { sourceUrl: "https://shop.example/sdk/vase", image: new Blob([photo]) });
    const failure = await waitForAnalysis(sdk, addProduct.id, { timeoutMs: 20_000, intervalMs: 100 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AnalysisFailedError);
    expect((failure as AnalysisFailedError).code).toMatch(/^TAGGER_/);

    const { retryAnalysis } = await sdk.request(RetryAnalysisDocument, { productId: addProduct.id });
    expect(retryAnalysis.id).toBe(addProduct.id);
    expect((await waitForAnalysis(sdk, addProduct.id, { timeoutMs: 20_000, intervalMs: 100 })).tags).toEqual(["color:blue", "object:vase"]);
  });

  it("has typed subscription documents for graphql-ws, which request() refuses", async () => {
    const { addProduct } = await sdk.request(AddProductDocument, { sourceUrl: "https://shop.example/sdk/watched", image: new Blob([await solidPng(4, 5, 6)]) });
    const ws = subscriptionsClient(api.app.url);
    const progress = subscribe<AnalysisProgressSubscription>(ws, print(AnalysisProgressDocument), { productId: addProduct.id });
    await progress.until((data) => data.analysisProgress.status === "READY", 20_000);
    expect(progress.received.every((event) => event.data?.analysisProgress.productId === addProduct.id)).toBe(true);
    progress.dispose();
    await ws.dispose();

    await expect(sdk.request(AnalysisProgressDocument, { productId: addProduct.id })).rejects.toThrow(/graphql-ws/);
  });
});

describe("extractFiles (multipart request spec)", () => {
  it("replaces every Blob by null and maps one part to all its paths", () => {
    const photo = new Blob(["x"]);
    const other = new Blob(["y"]);
    const { variables, files } = extractFiles({ image: photo, nested: { list: [other, photo], n: 1 }, date: "2026-01-01" });
    expect(variables).toEqual({ image: null, nested: { list: [null, null], n: 1 }, date: "2026-01-01" });
    expect([...files.values()]).toEqual([["variables.image", "variables.nested.list.1"], ["variables.nested.list.0"]]);
  });
});
