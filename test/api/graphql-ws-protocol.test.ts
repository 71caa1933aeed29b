import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { closed, nextMessage, openGraphqlWs } from "../support/raw-graphql-ws.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The graphql-transport-ws protocol's error closes, checked with a raw socket. */

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp({ TAGGER: "none", WS_INIT_TIMEOUT_MS: "300" });
});

afterAll(async () => {
  await api?.stop();
});

const open = () => openGraphqlWs(api.app.url);

async function acknowledged(): Promise<WebSocket> {
  const socket = await open();
  const ack = nextMessage(socket);
  socket.send(JSON.stringify({ type: "connection_init" }));
  expect((await ack).type).toBe("connection_ack");
  return socket;
}

const subscribeMessage = (id: string) =>
  JSON.stringify({ id, type: "subscribe", payload: { query: "subscription { productAdded { id } }" } });

describe("graphql-ws close codes", () => {
  it("4400 for a message that is not of the protocol", async () => {
    const socket = await acknowledged();
    const close = closed(socket);
    socket.send(JSON.stringify({ type: "no-such-type" }));
    expect((await close).code).toBe(4400);
  });

  it("4401 for a subscription before connection_init", async () => {
    const socket = await open();
    const close = closed(socket);
    socket.send(subscribeMessage("1"));
    expect(await close).toMatchObject({ code: 4401, reason: "Unauthorized" });
  });

  it("4408 when connection_init does not come in time", async () => {
    const socket = await open();
    expect((await closed(socket)).code).toBe(4408);
  });

  it("4409 for a second subscriber with the same id", async () => {
    const socket = await acknowledged();
    const close = closed(socket);
    socket.send(subscribeMessage("same"));
    socket.send(subscribeMessage("same"));
    expect(await close).toMatchObject({ code: 4409, reason: "Subscriber for same already exists" });
  });

  it("4429 for a second connection_init", async () => {
    const socket = await acknowledged();
    const close = closed(socket);
    socket.send(JSON.stringify({ type: "connection_init" }));
    expect((await close).code).toBe(4429);
  });

  it("answers ping with pong, and keeps the connection", async () => {
    const socket = await acknowledged();
    const pong = nextMessage(socket);
    socket.send(JSON.stringify({ type: "ping" }));
    expect((await pong).type).toBe("pong");
    socket.close();
  });
});
