import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { nextMessage, openGraphqlWs, type WsMessage } from "../../support/raw-graphql-ws.js";
import { startTestApp, type TestApp } from "../../support/test-app.js";

/**
 * The query limits over real WebSockets: a subscription's selection runs at
 * every event, so one too deep or too costly is refused at subscribe, with
 * the same QUERY_TOO_COMPLEX as over HTTP, and one within the limits runs.
 */
let api: TestApp;

beforeAll(async () => {
  api = await startTestApp({ TAGGER: "none" });
});

afterAll(async () => {
  await api?.stop();
});

async function acknowledged(): Promise<WebSocket> {
  const socket = await openGraphqlWs(api.app.url);
  const ack = nextMessage(socket);
  socket.send(JSON.stringify({ type: "connection_init" }));
  expect((await ack).type).toBe("connection_ack");
  return socket;
}

async function subscribe(query: string): Promise<WsMessage> {
  const socket = await acknowledged();
  try {
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
    return await reply;
  } finally {
    socket.close();
  }
}

/** `productAdded { photos { nearDuplicates { photo { … id } } } }`, nearDuplicates `levels` times. */
function nestedProductAdded(levels: number, first = 10): string {
  let selection = "id";
  for (let level = 0; level < levels; level += 1) selection = `nearDuplicates(first: ${first}) { photo { ${selection} } }`;
  return `subscription { productAdded { photos { ${selection} } } }`;
}

function expectRefused(reply: WsMessage, limit: string, maximum: number) {
  expect(reply.type).toBe("error");
  const error = reply.payload?.[0];
  expect(error?.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", limit, maximum });
  expect(error.extensions.measured).toBeGreaterThan(maximum);
  expect(error.message).toContain(String(error.extensions.measured));
}

describe("query limits on subscriptions", () => {
  it("refuses a subscription nested too deep, stating the depth", async () => {
    expectRefused(await subscribe(nestedProductAdded(6)), "depth", 10);
  });

  it("refuses a subscription over the cost limit, stating its cost", async () => {
    expectRefused(await subscribe(nestedProductAdded(2, 100)), "cost", 1000);
  });

  it("refuses too many aliases and a token flood", async () => {
    const aliases = `subscription { productAdded { ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(" ")} } }`;
    expectRefused(await subscribe(aliases), "aliases", 15);
    const flood = `subscription { productAdded { id ${"__typename ".repeat(3000)} } }`;
    expectRefused(await subscribe(flood), "tokens", 2000);
  });

  it("runs a subscription within the limits", async () => {
    // No such product: its resolver runs and says so, which a refused subscription never reaches.
    const reply = await subscribe(`subscription { analysisProgress(productId: "00000000-0000-4000-8000-000000000001") { status } }`);
    expect(reply.type).toBe("next");
    expect(reply.payload?.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});
