import { readFile } from "node:fs/promises";
import { ApolloClient, InMemoryCache } from "@apollo/client";
import UploadHttpLink from "apollo-upload-client/UploadHttpLink.mjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddProductDocument, FindSimilarProductsDocument, ProductDocument, SearchDocument } from "../../src/sdk/index.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features } from "../support/images.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

let llm: ChatCompletionsServer;
let api: TestApp;
let apollo: ApolloClient;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  await llm.setDefault({ kind: "features", features: features({ mug: ["green"] }, ["rustic"]) });
  apollo = new ApolloClient({
    cache: new InMemoryCache(),
    // The CSRF preflight header is what lets a multipart request through.
    link: new UploadHttpLink({ uri: `${api.app.url}/graphql`, headers: { "apollo-require-preflight": "true" } }),
  });
});

afterAll(async () => {
  apollo?.stop();
  await api?.stop();
  await llm?.stop();
});

describe("Apollo Client with apollo-upload-client", () => {
  it("uploads a photo through addProduct and finds similar products (the SDK's typed documents)", async () => {
    const photo = new File([await readFile("test/fixtures/coffee.png")], "coffee.png", { type: "image/png" });
    const added = await apollo.mutate({ mutation: AddProductDocument, variables: { sourceUrl: "https://shop.example/apollo/mug", image: photo } });
    expect(added.error).toBeUndefined();
    const id = added.data!.addProduct.id;
    expect(added.data?.addProduct.sourceUrl).toBe("https://shop.example/apollo/mug");
    expect(await api.rowCounts()).toEqual({ product: 1, photo: 1 });
    // Analysis may finish after the mutation returns: ask the network, not the cache, until it has.
    const tags = async () => (await apollo.query({ query: ProductDocument, variables: { id }, fetchPolicy: "network-only" })).data?.product.tags;
    await expect.poll(tags, { timeout: 20_000, interval: 100 }).toEqual(["color:green", "object:cup", "style:rustic"]) // a mug is a cup, by synonym;

    const similar = await apollo.mutate({ mutation: FindSimilarProductsDocument, variables: { image: photo, limit: 3 } });
    expect(similar.data?.findSimilarProducts.matches.map((match) => match.product.id)).toEqual([id]);
  });

  it("runs queries, answering repeats from its cache", async () => {
    const { data } = await apollo.query({ query: SearchDocument, variables: { query: "green mug" } });
    expect(data?.search.map((match) => match.product.sourceUrl)).toEqual(["https://shop.example/apollo/mug"]);
    const again = await apollo.query({ query: SearchDocument, variables: { query: "green mug" }, fetchPolicy: "cache-only" });
    expect(again.data).toEqual(data);
  });

  it("is refused a multipart request without the preflight header (CSRF prevention)", async () => {
    const bare = new ApolloClient({ cache: new InMemoryCache(), link: new UploadHttpLink({ uri: `${api.app.url}/graphql` }) });
    const photo = new Blob([await readFile("test/fixtures/coffee.png")]);
    const result = await bare.mutate({ mutation: AddProductDocument, variables: { sourceUrl: "https://shop.example/apollo/csrf", image: photo } }).catch((error: unknown) => ({ error }));
    expect(String(result.error)).toMatch(/preflight|CSRF|400/i);
    expect(await api.rowCounts()).toEqual({ product: 1, photo: 1 });
    bare.stop();
  });
});
