import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { bearer, keyMaker, requestWith } from "../support/api-keys.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * AUTH=off, the development default (the rest of the suite runs this way):
 * open without a key, but a key that is sent is still verified, and managing
 * keys always needs an admin key.
 */

let api: TestApp;
let maker: Awaited<ReturnType<typeof keyMaker>>;
let endpoint: string;

beforeAll(async () => {
  api = await startTestApp({ TAGGER: "none" });
  endpoint = `${api.app.url}/graphql`;
  maker = await keyMaker(api.databaseUrl);
});

afterAll(async () => {
  await maker?.close();
  await api?.stop();
});

describe("with AUTH=off", () => {
  it("serves queries and mutations without a key", async () => {
    expect((await requestWith(endpoint, undefined, "{ products(first: 1) { edges { cursor } } }")).data).toEqual({ products: { edges: [] } });
    const retry = await requestWith(endpoint, undefined, 'mutation { retryAnalysis(productId: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(retry.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("does not check scopes: a read key may write", async () => {
    const token = await maker.create("off-reader", ["read"]);
    const retry = await requestWith(endpoint, bearer(token), 'mutation { retryAnalysis(productId: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(retry.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("still refuses a key that is malformed, unknown or revoked", async () => {
    const token = await maker.create("off-revoked", ["read"]);
    await maker.keys.revoke("off-revoked");
    const revoked = await requestWith(endpoint, bearer(token), "{ __typename }");
    expect(revoked.status).toBe(401);
    expect(revoked.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "revoked" });
    expect((await requestWith(endpoint, "Bearer nope", "{ __typename }")).errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "malformed" });
  });

  it("manages keys only with an admin key", async () => {
    const anonymous = await requestWith(endpoint, undefined, 'mutation { createApiKey(name: "anonymous-admin", scopes: [ADMIN]) { token } }');
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "missing" });
    const reader = await requestWith(endpoint, bearer(await maker.create("off-reader-2", ["read"])), "{ apiKeys { id } }");
    expect(reader.errors?.[0]?.extensions).toEqual({ code: "FORBIDDEN", scope: "admin", field: "apiKeys" });
    expect(await api.sql("select name from api_key where name = 'anonymous-admin'")).toEqual([]);

    const admin = await requestWith(endpoint, bearer(await maker.create("off-admin", ["admin"])), "{ apiKeys { name } }");
    expect(admin.errors).toBeUndefined();
    expect(admin.data!.apiKeys.map((key: { name: string }) => key.name)).toContain("off-admin");
  });

  it("acknowledges graphql-ws without a key, and closes with 4401 for a bad one", async () => {
    const outcome = async (payload: object) => {
      const socket = new WebSocket(`${api.app.url.replace("http", "ws")}/graphql`, "graphql-transport-ws");
      await new Promise((resolve) => socket.once("open", resolve));
      const result = new Promise<string | number>((resolve) => {
        socket.once("message", (data) => resolve(JSON.parse(data.toString()).type));
        socket.once("close", (code) => resolve(code));
      });
      socket.send(JSON.stringify({ type: "connection_init", payload }));
      const value = await result;
      socket.close();
      return value;
    };
    expect(await outcome({})).toBe("connection_ack");
    expect(await outcome({ apiKey: "nope" })).toBe(4401);
  });
});
