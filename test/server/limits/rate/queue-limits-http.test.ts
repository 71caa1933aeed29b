import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, keyMaker, uploadWith, type AuthResponse } from "../../../support/api-keys.js";
import { solidPng } from "../../../support/images.js";
import { startTestApp, type TestApp } from "../../../support/test-app.js";
import { waitFor } from "../../../support/wait-for.js";

/**
 * The caps that keep one key from flooding the queue, over real HTTP against
 * the real app and PostgreSQL: analyses queued and not finished, and uploads
 * running at once. No worker runs, so analyses stay PENDING until the test
 * finishes them. Every refusal is checked to leave no row and no file.
 */
const MAX_PENDING = 2;
const ADD_PRODUCT = `mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id analysis { status } } }`;
const RETRY = `mutation ($id: ID!) { retryAnalysis(productId: $id) { id analysis { status } } }`;

let api: TestApp;
let maker: Awaited<ReturnType<typeof keyMaker>>;
let endpoint: string;
let colour = 0;

beforeAll(async () => {
  api = await startTestApp({
    // addProduct needs a configured tagger; nothing listens there, and no worker runs.
    TAGGER: "openai",
    OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
    RUN_WORKER: "false",
    AUTH: "off",
    RATE_LIMIT: "true",
    RATE_LIMIT_MAX_PENDING_ANALYSES: String(MAX_PENDING),
    RATE_LIMIT_MAX_CONCURRENT_UPLOADS: "1",
  });
  maker = await keyMaker(api.databaseUrl);
  endpoint = `${api.app.url}/graphql`;
});

afterAll(async () => {
  await maker?.close();
  await api?.stop();
});

/** A photo no other test uploaded (the catalogue refuses the same bytes twice). */
async function newPhoto(): Promise<Buffer> {
  colour += 1;
  return solidPng(colour % 256, Math.floor(colour / 256), 99);
}

async function addProduct(authorization: string | undefined): Promise<AuthResponse> {
  const image = { variable: "variables.image", bytes: await newPhoto(), filename: "photo.png" };
  return uploadWith(endpoint, authorization, ADD_PRODUCT, { sourceUrl: `https://shop.example/${randomUUID()}`, image: null }, [image]);
}

/** What a refusal must leave as it was: catalogue rows, stored files (in-flight ones included), and the limiter's own rows. */
async function footprint() {
  const [limiter] = await api.sql<{ leases: number; claims: number }>(
    "select (select count(*)::int from rate_limit_lease) as leases, (select count(*)::int from rate_limit_analysis_claim) as claims",
  );
  const [analyses] = await api.sql<{ count: number }>("select count(*)::int as count from analysis");
  return { rows: await api.rowCounts(), analyses: analyses!.count, files: (await api.storedFiles()).sort(), limiter: limiter! };
}

function expectRateLimited(response: AuthResponse, limit: string, maximum: number) {
  expect(response.status, JSON.stringify(response.errors)).toBe(429);
  expect(response.data ?? null).toBeNull();
  expect(response.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", limit, maximum });
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(response.errors![0]!.extensions!.retryAfterSeconds).toBe(retryAfter);
  expect(Number.isNaN(Date.parse(String(response.errors![0]!.extensions!.resetAt)))).toBe(false);
}

describe("pending analyses per key", () => {
  it("refuses an upload past the cap on a key's unfinished analyses, storing nothing, and admits it once one finishes", async () => {
    const key = bearer(await maker.create("pending", ["write"]));
    const added: string[] = [];
    for (let index = 0; index < MAX_PENDING; index += 1) {
      const response = await addProduct(key);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      expect(response.data!.addProduct.analysis.status).toBe("PENDING");
      added.push(response.data!.addProduct.id);
    }
    const before = await footprint();
    expect(before.limiter).toEqual({ leases: 0, claims: MAX_PENDING });

    expectRateLimited(await addProduct(key), "pendingAnalyses", MAX_PENDING);
    expect(await footprint()).toEqual(before);

    // Another subject (anonymous, by address) has its own count.
    const anonymous = await addProduct(undefined);
    expect(anonymous.errors, JSON.stringify(anonymous.errors)).toBeUndefined();

    // The worker's outcome, as it writes it: one of the key's analyses ends FAILED.
    await api.sql("update analysis set status = 'FAILED', finished_at = now() where product_id = $1", [added[0]]);
    const admitted = await addProduct(key);
    expect(admitted.errors, JSON.stringify(admitted.errors)).toBeUndefined();

    // Retrying the failed analysis would queue a third one for the key.
    const beforeRetry = await footprint();
    const retry = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: key },
      body: JSON.stringify({ query: RETRY, variables: { id: added[0] } }),
    });
    const retried = { status: retry.status, headers: retry.headers, ...((await retry.json()) as object) } as AuthResponse;
    expectRateLimited(retried, "pendingAnalyses", MAX_PENDING);
    expect(await footprint()).toEqual(beforeRetry);
    const [analysis] = await api.sql<{ status: string }>("select status from analysis where product_id = $1", [added[0]]);
    expect(analysis!.status).toBe("FAILED");
  });
});

describe("concurrent uploads per key", () => {
  it("refuses a second upload while the key's first is still arriving, storing nothing, and admits one after", async () => {
    const key = bearer(await maker.create("uploads", ["write", "search"]));
    const held = heldUpload(key, await newPhoto());
    await waitFor(async () => (await footprint()).limiter.leases === 1);
    const during = await footprint();

    expectRateLimited(await addProduct(key), "concurrentUploads", 1);
    const similar = await uploadWith(endpoint, key, "mutation ($image: Upload!) { findSimilarProducts(image: $image) { queryTags } }", { image: null }, [
      { variable: "variables.image", bytes: await newPhoto(), filename: "query.png" },
    ]);
    expectRateLimited(similar, "concurrentUploads", 1);
    expect(await footprint()).toEqual(during);

    held.release();
    const finished = await held.response;
    expect(finished.errors, JSON.stringify(finished.errors)).toBeUndefined();
    expect((await footprint()).limiter.leases).toBe(0);

    const after = await addProduct(key);
    expect(after.errors, JSON.stringify(after.errors)).toBeUndefined();
  });
});

/**
 * An addProduct whose photo arrives in two parts: the operation starts (and
 * takes its lease) on the first, and finishes once `release()` sends the rest.
 */
function heldUpload(authorization: string, bytes: Buffer) {
  const boundary = `----lookalike${randomUUID()}`;
  const operations = JSON.stringify({ query: ADD_PRODUCT, variables: { sourceUrl: `https://shop.example/${randomUUID()}`, image: null } });
  const text = (value: string) => new TextEncoder().encode(value);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const parts: Array<Uint8Array | (() => Promise<Uint8Array>)> = [
    text(
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.image"]}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="held.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    bytes.subarray(0, 16),
    async () => (await released, bytes.subarray(16)),
    text(`\r\n--${boundary}--\r\n`),
  ];
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = parts.shift();
      if (!next) return controller.close();
      controller.enqueue(typeof next === "function" ? await next() : next);
    },
  });
  const response = fetch(endpoint, {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "apollo-require-preflight": "true", authorization },
    body,
    duplex: "half",
  } as RequestInit).then(async (r) => ({ status: r.status, headers: r.headers, ...((await r.json()) as object) }) as AuthResponse);
  response.catch(() => {}); // awaited by the test; a failed test must not leave it unhandled
  return { release, response };
}
