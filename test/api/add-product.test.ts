import { randomUUID } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { INCOMING_DIR } from "../../src/media/storage/create-photo-storage.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { fixtureUpload, type UploadPart } from "../support/graphql-client.js";
import { features, pngDeclaring, sha256, solidPng } from "../support/images.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const ADD_PRODUCT = /* GraphQL */ `
  mutation AddProduct($sourceUrl: String!, $image: Upload!) {
    addProduct(sourceUrl: $sourceUrl, image: $image) {
      id sourceUrl tags createdAt analysis { status stage progress }
      photos { id url mimeType width height byteSize sha256 features { mainObjects { objectType } } }
    }
  }`;
const PRODUCT = /* GraphQL */ `
  query ($id: ID!) {
    product(id: $id) {
      tags
      analysis { status stages { stage progress } }
      photos { features { mainObjects { objectType attributes { kind value } } } }
    }
  }`;

const MAX_UPLOAD_BYTES = 600_000;
const MAX_IMAGE_PIXELS = 2_000_000;

let llm: ChatCompletionsServer;
let api: TestApp;
let counter = 0;
const nextUrl = () => `https://shop.example/products/${++counter}`;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({
    TAGGER: "openai",
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_TIMEOUT_MS: "1000",
    OPENAI_MAX_RETRIES: "1",
    ANALYSIS_RETRY_LIMIT: "1",
    ANALYSIS_RETRY_DELAY_SECONDS: "1",
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_IMAGE_PIXELS: String(MAX_IMAGE_PIXELS),
  });
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

beforeEach(async () => {
  await llm.reset();
  await llm.setDefault({ kind: "features", features: features({ box: ["brown"] }) });
});

const addProduct = (image: UploadPart, sourceUrl = nextUrl()) => api.client.upload(ADD_PRODUCT, { sourceUrl, image: null }, [image]);

/** The temporary files of uploads still arriving or being checked (storage keeps them in its .incoming folder). */
const incomingFiles = () => readdir(path.join(api.uploadsDir, INCOMING_DIR));

/**
 * Starts an addProduct whose file arrives in two halves: the first is sent at
 * once, the rest when `finish` is called, which then returns the response.
 */
function addProductSlowly(bytes: Buffer, sourceUrl = nextUrl()) {
  const boundary = `lookalike-${randomUUID()}`;
  const field = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head =
    field("operations", JSON.stringify({ query: ADD_PRODUCT, variables: { sourceUrl, image: null } })) +
    field("map", JSON.stringify({ 0: ["variables.image"] })) +
    `--${boundary}\r\ncontent-disposition: form-data; name="0"; filename="slow.png"\r\ncontent-type: image/png\r\n\r\n`;
  const request = http.request(api.client.endpoint, {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "apollo-require-preflight": "true" },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.on("error", reject);
    request.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
  });
  const half = Math.floor(bytes.length / 2);
  request.write(head);
  request.write(bytes.subarray(0, half));
  let settled = false;
  void response.finally(() => (settled = true)).catch(() => {});
  return {
    /** True once the server has answered. */
    answered: () => settled,
    finish: () => {
      request.end(Buffer.concat([bytes.subarray(half), Buffer.from(`\r\n--${boundary}--\r\n`)]));
      return response;
    },
  };
}

/** Waits until the upload's temporary file exists and holds some bytes; returns its name. */
async function arrivingFile(timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const name of await incomingFiles()) {
      const size = await stat(path.join(api.uploadsDir, INCOMING_DIR, name)).then((info) => info.size, () => 0);
      if (size > 0) return name;
    }
    if (Date.now() > deadline) throw new Error("no upload appeared in the incoming folder");
    await sleep(20);
  }
}

/** Runs a failing request and checks it left no file and no row behind. */
async function expectRejected(request: () => Promise<{ errors?: Array<{ message: string; extensions?: Record<string, any> }> }>, code: string) {
  const filesBefore = await api.storedFiles();
  const rowsBefore = await api.rowCounts();
  const response = await request();
  expect(response.errors?.[0]?.extensions?.code, JSON.stringify(response.errors)).toBe(code);
  expect(response.errors?.[0]?.message.length).toBeGreaterThan(10);
  expect(await api.storedFiles()).toEqual(filesBefore);
  expect(await incomingFiles()).toEqual([]);
  expect(await api.rowCounts()).toEqual(rowsBefore);
  return response.errors![0]!;
}

describe("addProduct", () => {
  it("stores the photo and returns the product at once; the analysis then tags it", async () => {
    const coffee = await fixtureUpload("coffee.png");
    await llm.script(sha256(coffee.bytes), [{ kind: "features", features: features({ Cups: ["Red", "white"] }, ["Minimalist"]) }]);
    const response = await addProduct(coffee, "https://shop.example/coffee");
    expect(response.errors).toBeUndefined();
    const product = response.data!.addProduct;
    expect(product).toMatchObject({ sourceUrl: "https://shop.example/coffee", tags: [], analysis: { status: "PENDING", stage: "RECEIVED", progress: 0 } });
    const [photo] = product.photos;
    expect(photo).toMatchObject({ mimeType: "image/png", width: 600, height: 400, byteSize: coffee.bytes.length, sha256: sha256(coffee.bytes), features: null });

    const served = await fetch(photo.url);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(coffee.bytes))).toBe(true);
    expect(await api.rowCounts()).toEqual({ product: 1, photo: 1 });
    expect(await api.storedFiles()).toHaveLength(1);

    expect((await waitForAnalysis(api.client, product.id)).analysis.status).toBe("READY");
    firstProductId = product.id;
    const { data } = await api.client.query(PRODUCT, { id: product.id });
    expect(data!.product.tags).toEqual(["color:red", "color:white", "object:cup", "style:minimalist"]);
    expect(data!.product.photos[0].features.mainObjects[0]).toEqual({
      objectType: "Cups",
      attributes: [{ kind: "COLOR", value: "Red" }, { kind: "COLOR", value: "white" }],
    });
    expect(data!.product.analysis.stages.map((stage: { stage: string }) => stage.stage)).toEqual([
      "RECEIVED", "DECODED", "STEP_LLM", "SYNTHESISED", "INDEXED", "READY",
    ]);
    const [request] = await llm.requests();
    expect(request).toMatchObject({ imageMimeType: "image/png", imageSha256: sha256(coffee.bytes) });
  });

  it("names stored files itself, never after the upload", async () => {
    const image = { ...(await fixtureUpload("fruits.jpg")), filename: "../../evil.jpg" };
    const response = await addProduct(image);
    expect(response.errors).toBeUndefined();
    const url = new URL(response.data!.addProduct.photos[0].url);
    expect(url.pathname).toMatch(/^\/uploads\/[0-9a-f]{2}\/[0-9a-f-]{36}\.jpg$/);
  });

  it("does not serve files that are still arriving", async () => {
    const bytes = await solidPng(90, 12, 240, 160);
    const upload = addProductSlowly(bytes);
    const name = await arrivingFile();
    const arriving = path.join(api.uploadsDir, INCOMING_DIR, name);
    expect((await stat(arriving)).size).toBeLessThan(bytes.length);
    expect(upload.answered()).toBe(false);

    // The very file being written, asked for where photos are served (/uploads/<key>, see above).
    const response = await fetch(`${api.app.url}/uploads/${INCOMING_DIR}/${name}`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(Buffer.from(await response.arrayBuffer()).includes(bytes.subarray(0, 8))).toBe(false); // no PNG bytes

    // The rest arrives: the photo is stored under its key and served there, and nothing is left in .incoming.
    const { status, body } = await upload.finish();
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.errors).toBeUndefined();
    const served = await fetch(body.data.addProduct.photos[0].url);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    expect(await incomingFiles()).toEqual([]);
  });

  it("reads a tagger reply in the seed shape (attribute words, no confidences) and tags the product", async () => {
    const bytes = await solidPng(212, 33, 61);
    const seed = { main_objects: [{ object_type: "mug", attributes: ["red", "ceramic"] }], overall_style: ["minimalist"] };
    await llm.script(sha256(bytes), [{ kind: "features", features: seed }]);
    const response = await addProduct({ variable: "variables.image", bytes, filename: "seed.png" });
    expect(response.errors).toBeUndefined();

    const done = await waitForAnalysis(api.client, response.data!.addProduct.id);
    expect(done).toMatchObject({ tags: ["color:red", "material:ceramic", "object:cup", "style:minimalist"], analysis: { status: "READY", error: null } });
    const { data } = await api.client.query(PRODUCT, { id: done.id });
    expect(data!.product.photos[0].features.mainObjects).toEqual([
      { objectType: "mug", attributes: [{ kind: "COLOR", value: "red" }, { kind: "MATERIAL", value: "ceramic" }] },
    ]);
  });
});

describe("addProduct refuses bad input and leaves nothing behind", () => {
  it("a file that is not an image, even named .jpg", async () => {
    const text = { variable: "variables.image", bytes: Buffer.from("hello, this is not a photo at all\n".repeat(20)), filename: "photo.jpg", contentType: "image/jpeg" };
    const error = await expectRejected(() => addProduct(text), "UNSUPPORTED_MEDIA_TYPE");
    expect(error.message).toContain("photo.jpg");
  });

  it("a truncated JPEG", async () => {
    await expectRejected(async () => addProduct(await fixtureUpload("truncated.jpg")), "INVALID_IMAGE");
  });

  it("an image with more pixels than allowed (a decompression bomb)", async () => {
    const bomb = { variable: "variables.image", bytes: pngDeclaring(50_000, 50_000), filename: "bomb.png" };
    expect(bomb.bytes.length).toBeLessThan(2_000);
    const error = await expectRejected(() => addProduct(bomb), "IMAGE_TOO_LARGE");
    expect(error.extensions).toMatchObject({ width: 50_000, height: 50_000, maxPixels: MAX_IMAGE_PIXELS });
  });

  it("a file over the size limit", async () => {
    const big = { variable: "variables.image", bytes: Buffer.concat([await solidPng(1, 2, 3), Buffer.alloc(MAX_UPLOAD_BYTES)]), filename: "big.png" };
    await expectRejected(() => addProduct(big), "FILE_TOO_LARGE");
  });

  it("an empty file", async () => {
    await expectRejected(() => addProduct({ variable: "variables.image", bytes: new Uint8Array(), filename: "empty.png" }), "EMPTY_FILE");
  });

  it("a file named in the map but missing from the request", async () => {
    await expectRejected(async () => {
      const form = new FormData();
      form.append("operations", JSON.stringify({ query: ADD_PRODUCT, variables: { sourceUrl: nextUrl(), image: null } }));
      form.append("map", JSON.stringify({ 0: ["variables.image"] }));
      const response = await fetch(api.client.endpoint, { method: "POST", headers: { "apollo-require-preflight": "1" }, body: form });
      return (await response.json()) as { errors?: [] };
    }, "MISSING_FILE");
  });

  it("no file at all", async () => {
    await expectRejected(() => api.client.upload(ADD_PRODUCT, { sourceUrl: nextUrl(), image: null }, []), "BAD_USER_INPUT");
  });

  it.each(["not a url", "ftp://files.example/x", "/relative/path", "https://"])("a malformed sourceUrl: %s", async (sourceUrl) => {
    await expectRejected(async () => addProduct(await fixtureUpload("chelsea.png"), sourceUrl), "BAD_USER_INPUT");
  });

  it("a sourceUrl that is already in the catalogue", async () => {
    const first = await addProduct({ variable: "variables.image", bytes: await solidPng(200, 10, 10), filename: "a.png" }, "https://shop.example/dup");
    expect(first.errors).toBeUndefined();
    const error = await expectRejected(
      async () => addProduct({ variable: "variables.image", bytes: await solidPng(10, 200, 10), filename: "b.png" }, "https://SHOP.example/dup"),
      "DUPLICATE_SOURCE_URL",
    );
    expect(error.extensions?.existingProductId).toBe(first.data!.addProduct.id);
  });

  it("an image already in the catalogue, even under another file name and sourceUrl", async () => {
    const bytes = await solidPng(3, 140, 220, 48);
    const first = await addProduct({ variable: "variables.image", bytes, filename: "original.png" }, "https://shop.example/original");
    expect(first.errors).toBeUndefined();
    const { id: productId, photos: [photo] } = first.data!.addProduct;
    const error = await expectRejected(
      () => addProduct({ variable: "variables.image", bytes, filename: "renamed-copy.png" }, "https://other-shop.example/copy"),
      "DUPLICATE_IMAGE",
    );
    expect(error.extensions).toMatchObject({ existingProductId: productId, existingPhotoId: photo.id });
    expect(error.message).toContain(productId);
  });

  it("the same new image sent several times at once: one is stored, the others are told it is a duplicate", async () => {
    const bytes = await solidPng(77, 7, 177, 40);
    const filesBefore = await api.storedFiles();
    const rowsBefore = await api.rowCounts();
    const responses = await Promise.all([1, 2, 3, 4].map((n) => addProduct({ variable: "variables.image", bytes, filename: `same-${n}.png` })));
    const [stored, ...more] = responses.filter((response) => !response.errors);
    expect(more).toEqual([]);
    for (const { errors } of responses.filter((response) => response.errors)) {
      expect(errors![0]!.extensions).toMatchObject({ code: "DUPLICATE_IMAGE", existingProductId: stored!.data!.addProduct.id });
    }
    expect(await api.storedFiles()).toHaveLength(filesBefore.length + 1);
    expect(await api.rowCounts()).toEqual({ product: rowsBefore.product + 1, photo: rowsBefore.photo + 1 });
  });

  it("a request without the CSRF preflight header", async () => {
    const response = await api.client.upload(ADD_PRODUCT, { sourceUrl: nextUrl(), image: null }, [await fixtureUpload("chelsea.png")], {});
    expect(response.status).toBe(400);
    expect(await incomingFiles()).toEqual([]);
  });
});

describe("when the tagger fails, the analysis says why", () => {
  const failures = [
    ["a server error that persists (after retries)", { kind: "status", status: 500 }, "TAGGER_UPSTREAM_ERROR", 2],
    ["rate limiting that persists (after retries)", { kind: "status", status: 429, headers: { "retry-after": "0" } }, "TAGGER_RATE_LIMITED", 2],
    ["a reply that is not JSON", { kind: "raw", content: "{ not json" }, "TAGGER_INVALID_RESPONSE", 1],
    ["a reply that breaks the schema", { kind: "raw", content: JSON.stringify({ main_objects: "cup" }) }, "TAGGER_INVALID_RESPONSE", 1],
    ["a refusal", { kind: "refusal", refusal: "I cannot help with that." }, "TAGGER_REFUSED", 1],
    ["a reply slower than the timeout (after retries)", { kind: "delay", ms: 3_000, then: { kind: "features", features: features({ cup: [] }) } }, "TAGGER_TIMEOUT", 2],
    ["a rejected key", { kind: "status", status: 401, body: { error: { message: "bad key" } } }, "TAGGER_REQUEST_REJECTED", 1],
  ] as const;

  it.each(failures)("%s", async (_name, reply, code, attempts) => {
    const bytes = await solidPng((counter * 7) % 256, 99, 42);
    await llm.script(sha256(bytes), [reply as never]);
    const response = await addProduct({ variable: "variables.image", bytes, filename: "x.png" });
    expect(response.errors).toBeUndefined();
    const done = await waitForAnalysis(api.client, response.data!.addProduct.id);
    expect(done.analysis).toMatchObject({ status: "FAILED", stage: "FAILED", attempts, error: { code } });
    expect(done.analysis.error!.message.length).toBeGreaterThan(10);
    expect(done.tags).toEqual([]); // nothing half-written: no tags until an analysis succeeds
  });

  it("retries a transient server error as a job, and then succeeds", async () => {
    const bytes = await solidPng(1, 250, 1);
    // Two 503s: the tagger's own retry (OPENAI_MAX_RETRIES=1) is used up, so the job is retried.
    await llm.script(sha256(bytes), [{ kind: "status", status: 503 }, { kind: "status", status: 503 }, { kind: "features", features: features({ lamp: ["green"] }) }]);
    const response = await addProduct({ variable: "variables.image", bytes, filename: "lamp.png" });
    const done = await waitForAnalysis(api.client, response.data!.addProduct.id);
    expect(done).toMatchObject({ tags: ["color:green", "object:lamp"], analysis: { status: "READY", attempts: 2, error: null } });
  });

  it("retryAnalysis re-runs a failed analysis, without duplicating rows or tags", async () => {
    const bytes = await solidPng(5, 6, 7);
    await llm.script(sha256(bytes), [{ kind: "raw", content: "nope" }]);
    const response = await addProduct({ variable: "variables.image", bytes, filename: "retry.png" });
    const id = response.data!.addProduct.id;
    expect((await waitForAnalysis(api.client, id)).analysis.status).toBe("FAILED");

    const notFailedYet = await api.client.query(`mutation ($id: ID!) { retryAnalysis(productId: $id) { id } }`, { id: products0() });
    expect(notFailedYet.errors?.[0]?.extensions?.code).toBe("ANALYSIS_NOT_RETRYABLE");

    await llm.script(sha256(bytes), [{ kind: "features", features: features({ vase: ["blue"] }) }]);
    const rowsBefore = await api.rowCounts();
    const retried = await api.client.query(`mutation ($id: ID!) { retryAnalysis(productId: $id) { id analysis { status } } }`, { id });
    expect(retried.data!.retryAnalysis.analysis.status).toBe("PENDING");
    const done = await waitForAnalysis(api.client, id);
    expect(done).toMatchObject({ tags: ["color:blue", "object:vase"], analysis: { status: "READY", attempts: 2 } });
    expect(await api.rowCounts()).toEqual(rowsBefore);
    const [analyses] = await api.sql<{ count: number }>("select count(*)::int as count from analysis where product_id = $1", [id]);
    expect(analyses!.count).toBe(1);
  });
});

/** Any product whose analysis is READY (the first test's). */
const products0 = () => firstProductId;
let firstProductId = "";

describe("with no tagger configured", () => {
  it("addProduct fails with TAGGER_UNAVAILABLE and stores nothing", async () => {
    const bare = await startTestApp({ TAGGER: "none" });
    try {
      const response = await bare.client.upload(ADD_PRODUCT, { sourceUrl: nextUrl(), image: null }, [await fixtureUpload("chelsea.png")]);
      expect(response.errors?.[0]?.extensions?.code).toBe("TAGGER_UNAVAILABLE");
      expect(await bare.storedFiles()).toEqual([]);
      expect(await bare.rowCounts()).toEqual({ product: 0, photo: 0 });
    } finally {
      await bare.stop();
    }
  });
});

it("fixture sanity: the truncated JPEG really is a cut-off JPEG", async () => {
  const bytes = await readFile("test/fixtures/truncated.jpg");
  expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
});
