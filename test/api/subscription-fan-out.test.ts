import pg from "pg";
import type WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topics } from "../../src/jobs/analysis-events.js";
import { publishSql } from "../../src/jobs/event-bus.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { metricValue } from "../support/metrics.js";
import { waitForAnalysis } from "../support/products.js";
import { nextMessage, openGraphqlWs, type WsMessage } from "../support/raw-graphql-ws.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

// One product-ready event reaches every productAdded subscriber of a process: each event runs in a
// fresh data scope shared by the subscribers it reaches, and subscribers alike share one answer.
const PRODUCT_ADDED = `subscription { productAdded { id sourceUrl tags photos { url } } }`;

let llm: ChatCompletionsServer;
let api: TestApp;
let database: pg.Client;
let productId: string;
/** Ready before any subscriber: its first event is every subscriber's first read of it. */
let otherProductId: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, ANALYSIS_RETRY_LIMIT: "0" });
  database = new pg.Client({ connectionString: api.databaseUrl });
  await database.connect();
  productId = await addReadyProduct("kettle", 12);
  otherProductId = await addReadyProduct("lamp", 13);
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await database?.end();
  await api?.stop();
  await llm?.stop();
});

async function addReadyProduct(object: string, shade: number): Promise<string> {
  const bytes = await solidPng(shade, 200, 30);
  await llm.script(sha256(bytes), [{ kind: "features", features: features({ [object]: ["black"] }) } as never]);
  const response = await api.client.upload(`mutation ($image: Upload!, $url: String!) { addProduct(sourceUrl: $url, image: $image) { id } }`, { image: null, url: `https://shop.example/${object}` }, [
    { variable: "variables.image", bytes, filename: "p.png" },
  ]);
  expect(response.errors).toBeUndefined();
  const id = response.data!.addProduct.id as string;
  expect((await waitForAnalysis(api.client, id)).analysis.status).toBe("READY");
  return id;
}

/** A subscriber on a socket of its own; `received` fills with its `next` payloads. */
async function subscriber(headers: Record<string, string> = {}): Promise<{ received: WsMessage["payload"][] }> {
  const socket = await openGraphqlWs(api.app.url, headers);
  sockets.push(socket);
  socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
  expect((await nextMessage(socket)).type).toBe("connection_ack");
  const received: WsMessage["payload"][] = [];
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString()) as WsMessage;
    if (message.type === "next") received.push(message.payload);
  });
  socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: PRODUCT_ADDED } }));
  return { received };
}

const publishReady = (id: string) => database.query(`select ${publishSql(topics.productReady, "json_build_object('productId', $1::text)")}`, [id]);

/** Publishes until every subscriber has had an event (so every subscription is live), then waits for the stragglers' copies. */
async function untilAllListen(subscribers: Array<{ received: unknown[] }>): Promise<void> {
  for (let tries = 0; subscribers.some((one) => one.received.length === 0); tries++) {
    if (tries > 100) throw new Error("the subscriptions never went live");
    await publishReady(productId);
    await sleep(100);
  }
  await sleep(500);
}

async function untilEach(subscribers: Array<{ received: unknown[] }>, counts: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (subscribers.some((one, index) => one.received.length <= counts[index]!)) {
    if (Date.now() > deadline) throw new Error("an event did not reach every subscriber");
    await sleep(20);
  }
}

describe("productAdded with many subscribers", () => {
  it("reads the product once per event, not once per subscriber, and gives each the same answer", async () => {
    const subscribers = await Promise.all(Array.from({ length: 30 }, () => subscriber()));
    await untilAllListen(subscribers);
    const counts = subscribers.map((one) => one.received.length);
    const statementsBefore = await metricValue(api.app.url, "lookalike_sql_statements_total");
    await publishReady(otherProductId);
    await untilEach(subscribers, counts);
    const statements = (await metricValue(api.app.url, "lookalike_sql_statements_total")) - statementsBefore;
    // The product and its photos: a couple of statements, where 30 subscribers each reading would take 60.
    expect(statements).toBeLessThanOrEqual(5);
    const answers = subscribers.map((one, index) => one.received[counts[index]!]);
    for (const answer of answers) {
      expect(answer).toEqual(answers[0]);
      expect(answer.data.productAdded).toMatchObject({ id: otherProductId, sourceUrl: "https://shop.example/lamp", tags: ["color:black", "object:lamp"] });
    }
  });

  it("reads the product as it is at each event, not as the subscription first saw it", async () => {
    const subscribers = [await subscriber(), await subscriber()];
    await untilAllListen(subscribers);
    const counts = subscribers.map((one) => one.received.length);
    await database.query(`update product set source_url = 'https://shop.example/kettle-moved' where id = $1`, [productId]);
    try {
      await publishReady(productId);
      await untilEach(subscribers, counts);
      for (const [index, one] of subscribers.entries()) expect(one.received[counts[index]!].data.productAdded.sourceUrl).toBe("https://shop.example/kettle-moved");
    } finally {
      await database.query(`update product set source_url = 'https://shop.example/kettle' where id = $1`, [productId]);
    }
  });

  it("builds each subscriber's links from its own Host: subscribers share an answer only when it would be the same", async () => {
    const [onA, onB] = [await subscriber({ host: "shop-a.test" }), await subscriber({ host: "shop-b.test" })];
    await untilAllListen([onA, onB]);
    const counts = [onA.received.length, onB.received.length];
    await publishReady(productId);
    await untilEach([onA, onB], counts);
    expect(onA.received[counts[0]!].data.productAdded.photos[0].url).toMatch(/^http:\/\/shop-a\.test\//);
    expect(onB.received[counts[1]!].data.productAdded.photos[0].url).toMatch(/^http:\/\/shop-b\.test\//);
  });

  it("answers an event naming an unknown product with NOT_FOUND to each subscriber, and keeps streaming", async () => {
    const subscribers = [await subscriber(), await subscriber()];
    await untilAllListen(subscribers);
    const counts = subscribers.map((one) => one.received.length);
    await publishReady("00000000-0000-4000-8000-000000000000");
    await untilEach(subscribers, counts);
    for (const [index, one] of subscribers.entries()) expect(one.received[counts[index]!].errors[0].extensions.code).toBe("NOT_FOUND");
    await publishReady(productId);
    await untilEach(subscribers, counts.map((count) => count + 1));
    for (const [index, one] of subscribers.entries()) expect(one.received[counts[index]! + 1].data.productAdded.id).toBe(productId);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
