import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import express from "express";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordOperation, requestLog } from "../../../src/server/observability/request-log.js";

/** The request log's lines, from real HTTP requests to a small Express app that uses it as the API does. */
const lines: Array<Record<string, any>> = [];
let url: string;
let close: () => void;

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString().trim().split("\n").map((line) => JSON.parse(line))));
  const app = express();
  app.use(requestLog(pino({ level: "info" }, stream)));
  app.post("/graphql", (_req, res) => {
    recordOperation(res, { name: "Search", type: "query", outcome: "ok" });
    res.json({ data: {} });
  });
  app.post("/failing", (_req, res) => {
    recordOperation(res, { name: "AddProduct", type: "mutation", outcome: "INTERNAL_SERVER_ERROR" });
    res.status(500).json({ errors: [{ message: "boom" }] });
  });
  app.get("/metrics", (_req, res) => void res.send("# nothing"));
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(() => close?.());

const logged = async (id: string) => {
  for (let i = 0; i < 50 && !lines.some((line) => line.req?.id === id); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  return lines.find((line) => line.req?.id === id);
};

describe("the request log", () => {
  it("logs each request once, with its id, the GraphQL operation and the duration, and no headers or query string", async () => {
    const response = await fetch(`${url}/graphql?query=secret`, { method: "POST", headers: { "x-request-id": "req-1", authorization: "Bearer lk_secret" } });
    expect(response.headers.get("x-request-id")).toBe("req-1");
    const line = await logged("req-1");
    expect(line).toMatchObject({ level: 30, req: { id: "req-1", method: "POST", path: "/graphql" }, res: { statusCode: 200 }, graphql: { name: "Search", type: "query", outcome: "ok" } });
    expect(line!.responseTime).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(line)).not.toMatch(/lk_secret|secret/);
  });

  it("logs a failed request at error level, with its operation", async () => {
    await fetch(`${url}/failing`, { method: "POST", headers: { "x-request-id": "req-500" } });
    const line = await logged("req-500");
    expect(line).toMatchObject({ level: 50, req: { id: "req-500", path: "/failing" }, res: { statusCode: 500 }, graphql: { name: "AddProduct", outcome: "INTERNAL_SERVER_ERROR" } });
    expect(lines.filter((each) => each.req?.id === "req-500")).toHaveLength(1);
  });

  it("logs scrapes and probes at debug only", async () => {
    await fetch(`${url}/metrics`, { headers: { "x-request-id": "scrape-1" } });
    await fetch(`${url}/graphql`, { method: "POST", headers: { "x-request-id": "after-scrape" } });
    await logged("after-scrape");
    expect(lines.some((line) => line.req?.id === "scrape-1")).toBe(false);
  });
});
