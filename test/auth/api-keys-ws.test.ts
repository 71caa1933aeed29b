import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { generateToken } from "../../src/auth/api-key-token.js";
import { bearer, keyMaker } from "../support/api-keys.js";
import { closed, nextMessage, openGraphqlWs, type WsMessage as Message } from "../support/raw-graphql-ws.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** AUTH=required over real WebSockets (graphql-transport-ws): the key goes in connection_init's payload. */

let api: TestApp;
let maker: Awaited<ReturnType<typeof keyMaker>>;
let readKey: string;
const NO_SUCH_PRODUCT = "00000000-0000-4000-8000-000000000001";

beforeAll(async () => {
  api = await startTestApp({ TAGGER: "none", AUTH: "required" });
  maker = await keyMaker(api.databaseUrl);
  readKey = await maker.create("reader", ["read"]);
});

afterAll(async () => {
  await maker?.close();
  await api?.stop();
});

const open = () => openGraphqlWs(api.app.url);

/** Sends connection_init with this payload; resolves with the ack, or with the close that refused it. */
async function init(payload: Record<string, unknown> | undefined): Promise<{ socket: WebSocket; ack?: Message; close?: { code: number; reason: string } }> {
  const socket = await open();
  const outcome = Promise.race([nextMessage(socket).then((ack) => ({ ack })), closed(socket).then((close) => ({ close }))]);
  socket.send(JSON.stringify(payload === undefined ? { type: "connection_init" } : { type: "connection_init", payload }));
  return { socket, ...(await outcome) };
}

describe("connection_init", () => {
  it.each([
    ["no payload", undefined],
    ["no key in the payload", {}],
    ["a malformed key", { apiKey: "nope" }],
    ["a key that is not a string", { apiKey: 42 }],
    ["a malformed Authorization", { authorization: "Basic dXNlcjpwYXNz" }],
    ["a key never issued", { apiKey: generateToken() }],
  ])("closes with 4401 for %s", async (_name, payload) => {
    const { ack, close } = await init(payload);
    expect(ack).toBeUndefined();
    expect(close?.code).toBe(4401);
    expect(close?.reason).toMatch(/^Unauthorized/);
  });

  it("closes with 4401 for a revoked key", async () => {
    const token = await maker.create("revoked-ws", ["read"]);
    await maker.keys.revoke("revoked-ws");
    expect((await init({ apiKey: token })).close).toEqual({ code: 4401, reason: "Unauthorized: the API key is revoked" });
  });

  it("closes with 4403 for a valid key without the read scope", async () => {
    const token = await maker.create("no-read", ["search", "write", "admin"]);
    expect((await init({ apiKey: token })).close).toEqual({ code: 4403, reason: 'Forbidden: subscriptions need the "read" scope' });
  });

  it.each([
    ["apiKey", () => ({ apiKey: readKey })],
    ["authorization", () => ({ authorization: bearer(readKey) })],
  ])("acknowledges a read key given as %s", async (_name, payload) => {
    const { socket, ack } = await init(payload());
    expect(ack?.type).toBe("connection_ack");
    socket.close();
  });
});

describe("subscribe", () => {
  it("runs a subscription with a read key", async () => {
    const { socket, ack } = await init({ apiKey: readKey });
    expect(ack?.type).toBe("connection_ack");
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: `subscription { analysisProgress(productId: "${NO_SUCH_PRODUCT}") { status } }` } }));
    // No such product: the resolver ran and said so, which an auth refusal would not.
    const message = await reply;
    expect(JSON.stringify(message.payload)).not.toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    expect(JSON.stringify(message.payload)).toMatch(/NOT_FOUND/);
    socket.close();
  });

  it("refuses an operation beyond the key's scopes with FORBIDDEN, and keeps the socket open", async () => {
    const { socket } = await init({ apiKey: readKey });
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: "2", type: "subscribe", payload: { query: 'mutation { createApiKey(name: "over-ws", scopes: [ADMIN]) { token } }' } }));
    const message = await reply;
    expect(message).toMatchObject({ id: "2", type: "error" });
    expect(message.payload).toEqual([expect.objectContaining({ extensions: { code: "FORBIDDEN", scope: "admin", field: "createApiKey" } })]);
    expect(await api.sql("select name from api_key where name = 'over-ws'")).toEqual([]);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it("starts nothing new for a key revoked after connecting", async () => {
    const token = await maker.create("revoked-later", ["read"]);
    const { socket, ack } = await init({ apiKey: token });
    expect(ack?.type).toBe("connection_ack");
    await maker.keys.revoke("revoked-later");
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: "3", type: "subscribe", payload: { query: "subscription { productAdded { id } }" } }));
    const message = await reply;
    expect(message).toMatchObject({ id: "3", type: "error" });
    expect(message.payload[0].extensions).toEqual({ code: "UNAUTHENTICATED", reason: "revoked" });
    socket.close();
  });
});
