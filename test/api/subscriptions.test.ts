import type { Client } from "graphql-ws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { waitForAnalysis } from "../support/products.js";
import { subscribe, subscriptionsClient } from "../support/subscriptions.js";
import { startTestApp, startTestAppOn, type TestApp } from "../support/test-app.js";

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;
const PROGRESS = /* GraphQL */ `
  subscription ($productId: ID, $requestId: String) {
    analysisProgress(productId: $productId, requestId: $requestId) { analysisId productId requestId status stage progress at error { code } }
  }`;
const PRODUCT_ADDED = /* GraphQL */ `subscription { productAdded { id tags } }`;

interface Progress {
  analysisProgress: { productId: string | null; requestId: string | null; status: string; stage: string; progress: number; at: string; error: { code: string } | null };
}

let llm: ChatCompletionsServer;
let api: TestApp;
let ws: Client;
let counter = 0;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, ANALYSIS_RETRY_LIMIT: "0" });
  ws = subscriptionsClient(api.app.url);
});

afterAll(async () => {
  await ws?.dispose();
  await api?.stop();
  await llm?.stop();
});

beforeEach(async () => {
  await llm.reset();
});

/** Uploads a fresh image whose analysis the LLM answers with `reply` (a delay lets a subscriber attach first). */
async function upload(target: TestApp, reply: object = { kind: "delay", ms: 300, then: { kind: "features", features: features({ cup: ["red"] }) } }) {
  counter += 1;
  const bytes = await solidPng(counter * 11, 40, 90);
  await llm.script(sha256(bytes), [reply as never]);
  const response = await target.client.upload(ADD_PRODUCT, { sourceUrl: `https://shop.example/s/${counter}`, image: null }, [
    { variable: "variables.image", bytes, filename: "p.png" },
  ]);
  expect(response.errors).toBeUndefined();
  return response.data!.addProduct.id as string;
}

describe("analysisProgress(productId)", () => {
  it("streams every stage with a percentage and a timestamp, then completes at READY", async () => {
    const id = await upload(api);
    const progress = subscribe<Progress>(ws, PROGRESS, { productId: id });
    await progress.completed;
    const events = progress.received.map((event) => event.data!.analysisProgress);
    expect(events.at(-1)).toMatchObject({ productId: id, status: "READY", stage: "READY", progress: 100, error: null });
    const stages = events.map((event) => event.stage);
    // The first event is the state at subscription time; from there on every stage follows in order.
    const order = ["RECEIVED", "DECODED", "STEP_LLM", "SYNTHESISED", "INDEXED", "READY"];
    expect(stages).toEqual(order.slice(order.indexOf(stages[0]!)));
    expect(stages.length).toBeGreaterThanOrEqual(4);
    const percents = events.map((event) => event.progress);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(events.every((event) => !Number.isNaN(Date.parse(event.at)))).toBe(true);
  });

  it("gives a subscriber who comes after the end the final state at once", async () => {
    const id = await upload(api, { kind: "features", features: features({ lamp: [] }) });
    await waitForAnalysis(api.client, id);
    const progress = subscribe<Progress>(ws, PROGRESS, { productId: id });
    await progress.completed;
    expect(progress.received.map((event) => event.data!.analysisProgress)).toEqual([
      expect.objectContaining({ status: "READY", stage: "READY", progress: 100 }),
    ]);
  });

  it("ends with FAILED and the reason", async () => {
    const id = await upload(api, { kind: "raw", content: "not json" });
    const progress = subscribe<Progress>(ws, PROGRESS, { productId: id });
    await progress.completed;
    expect(progress.received.at(-1)!.data!.analysisProgress).toMatchObject({ status: "FAILED", error: { code: "TAGGER_INVALID_RESPONSE" } });
  });

  it.each([
    [{ productId: "00000000-0000-4000-8000-000000000000" }, "NOT_FOUND"],
    [{ productId: "nope" }, "BAD_USER_INPUT"],
    [{}, "BAD_USER_INPUT"],
  ])("refuses %j with a clear error", async (variables, code) => {
    const progress = subscribe<Progress>(ws, PROGRESS, variables);
    await progress.completed.catch(() => {});
    const errors = progress.received[0]?.errors ?? [];
    expect(errors[0]?.extensions?.code, JSON.stringify(progress.received)).toBe(code);
  });
});

describe("productAdded", () => {
  it("streams products as they become ready", async () => {
    const added = subscribe<{ productAdded: { id: string; tags: string[] } }>(ws, PRODUCT_ADDED);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the subscription reach the server
    const id = await upload(api, { kind: "features", features: features({ kettle: ["black"] }) });
    await added.until((data) => data.productAdded.id === id);
    expect(added.received.find((event) => event.data?.productAdded.id === id)!.data!.productAdded.tags).toEqual(["color:black", "object:kettle"]);
    added.dispose();
  });
});

describe("findSimilarProducts with a requestId", () => {
  it("streams the query image's progress under that requestId", async () => {
    const bytes = await solidPng(250, 250, 1);
    await llm.script(sha256(bytes), [{ kind: "delay", ms: 200, then: { kind: "features", features: features({ cup: [] }) } }]);
    const progress = subscribe<Progress>(ws, PROGRESS, { requestId: "query-42" });
    await new Promise((resolve) => setTimeout(resolve, 500)); // subscribed before the query starts
    const response = await api.client.upload(
      `mutation ($image: Upload!, $requestId: String) { findSimilarProducts(image: $image, requestId: $requestId) { queryTags } }`,
      { image: null, requestId: "query-42" },
      [{ variable: "variables.image", bytes, filename: "q.png" }],
    );
    expect(response.errors).toBeUndefined();
    await progress.completed;
    expect(progress.received.map((event) => event.data!.analysisProgress.stage)).toEqual(["RECEIVED", "DECODED", "STEP_LLM", "SYNTHESISED", "READY"]);
    expect(progress.received.every((event) => event.data!.analysisProgress.requestId === "query-42")).toBe(true);
  });
});

describe("two API processes on one database", () => {
  it("deliver every event: subscribe on one, upload on the other", async () => {
    const second = await startTestAppOn(api.databaseUrl, api.databaseUrl, {
      TAGGER: "openai",
      OPENAI_BASE_URL: llm.baseUrl,
      UPLOADS_DIR: api.uploadsDir, // instances behind one load balancer share their storage
      RUN_WORKER: "false",
    });
    const wsOnFirst = subscriptionsClient(api.app.url);
    try {
      const added = subscribe<{ productAdded: { id: string } }>(wsOnFirst, PRODUCT_ADDED);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const id = await upload(second);
      const progress = subscribe<Progress>(wsOnFirst, PROGRESS, { productId: id });
      await progress.completed;
      expect(progress.received.at(-1)!.data!.analysisProgress.status).toBe("READY");
      await added.until((data) => data.productAdded.id === id);
    } finally {
      await wsOnFirst.dispose();
      await second.stop();
    }
  });
});
