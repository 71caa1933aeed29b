import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { solidPng } from "../support/images.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * Slow clients over real sockets: one that dribbles its headers, one that
 * dribbles an upload, one that stops sending halfway. Each is cut off near
 * its timeout, and leaves no file behind.
 */
let api: TestApp;
const HEADERS_MS = 1_000;
const REQUEST_MS = 3_000;
const IDLE_MS = 1_000;

beforeAll(async () => {
  api = await startTestApp({
    // addProduct streams the photo in before it queues the analysis; nothing listens there, and no worker runs.
    TAGGER: "openai",
    OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    RUN_WORKER: "false",
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
  });
});

afterAll(async () => {
  await api?.stop();
});

interface Outcome {
  /** What the server sent back before closing, if anything. */
  reply: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfterMs: number;
}

/** Opens a raw connection, sends `start`, then `drip` every `everyMs` until the server closes it (or `giveUpMs`). */
function slowClient(start: string | Buffer, drip: string | null, everyMs: number, giveUpMs = 15_000): Promise<Outcome> {
  const { port } = api.app;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    const began = performance.now();
    let reply = "";
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on("connect", () => {
      socket.write(start);
      if (drip !== null) timer = setInterval(() => socket.writable && socket.write(drip), everyMs);
    });
    socket.on("data", (chunk) => (reply += chunk.toString("latin1")));
    socket.on("error", () => {}); // a reset is a close too
    socket.on("close", () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ reply, closedAfterMs: performance.now() - began });
    });
  });
}

async function multipartStart(): Promise<{ head: string; bodyStart: Buffer }> {
  const boundary = "----lookalike-slow-client";
  const operations = JSON.stringify({
    query: 'mutation ($image: Upload!) { addProduct(image: $image, sourceUrl: "https://shop.test/slow") { id } }',
    variables: { image: null },
  });
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`;
  const bodyStart = Buffer.concat([
    Buffer.from(part("operations", operations) + part("map", JSON.stringify({ 0: ["variables.image"] })) + fileHead),
    (await solidPng(10, 20, 30)).subarray(0, 40),
  ]);
  const head =
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\napollo-require-preflight: true\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${bodyStart.length + 5_000_000}\r\n\r\n`;
  return { head, bodyStart };
}

async function expectNoFileLeft(): Promise<void> {
  // The aborted upload's temporary file is removed as the request closes.
  for (let attempt = 0; attempt < 20 && (await api.storedFiles()).length > 0; attempt += 1) await new Promise((r) => setTimeout(r, 100));
  expect(await api.storedFiles()).toEqual([]);
  expect(await api.rowCounts()).toEqual({ product: 0, photo: 0 });
}

describe("HTTP timeouts", () => {
  it("answers 408 to a client that dribbles its headers", async () => {
    const outcome = await slowClient("POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: 1\r\n", 200);
    expect(outcome.reply).toMatch(/^HTTP\/1\.1 408/);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(outcome.closedAfterMs).toBeLessThan(HEADERS_MS + 2_500);
  });

  it("cuts off an upload that dribbles past the request timeout, and keeps no file", async () => {
    const { head, bodyStart } = await multipartStart();
    // 50 bytes every 200 ms: never idle, but 5 MB would take hours.
    const outcome = await slowClient(Buffer.concat([Buffer.from(head), bodyStart]), "x".repeat(50), 200);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(outcome.closedAfterMs).toBeLessThan(REQUEST_MS + 2_500);
    // Node answers 408 when it can; it cannot once the request has been handed to the app, and then only closes.
    expect(outcome.reply).not.toMatch(/^HTTP\/1\.1 200/);
    await expectNoFileLeft();
  });

  it("cuts off an upload that stops halfway once it has been idle, and keeps no file", async () => {
    const { head, bodyStart } = await multipartStart();
    const outcome = await slowClient(Buffer.concat([Buffer.from(head), bodyStart]), null, 0);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
    // Well before the request timeout: the idle timeout did it.
    expect(outcome.closedAfterMs).toBeLessThan(REQUEST_MS - 500);
    await expectNoFileLeft();
  });

  it("still serves ordinary requests", async () => {
    expect((await api.client.query("{ __typename }")).data).toEqual({ __typename: "Query" });
  });
});
