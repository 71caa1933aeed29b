import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp } from "../../src/app.js";
import { S3PhotoStorage } from "../../src/media/storage/s3-photo-storage.js";
import type { PhotoStorage } from "../../src/media/storage/photo-storage.js";
import { solidPng } from "./../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { s3StorageEnv, startS3Server, type S3Server } from "../support/s3-server.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { createTestDatabase } from "../support/test-database.js";

/**
 * Photos go through the storage port, whichever adapter: intake puts a
 * checked photo, the worker reads its bytes back through the port (the
 * tagger below decodes what it is handed), and the API serves it with ETag,
 * Range and caching, or by presigned URL. Run against the local directory and
 * a real S3-compatible server.
 */

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id photos { url } } }`;
const PHOTO_URL = /* GraphQL */ `query ($id: ID!) { product(id: $id) { photos { url } } }`;

const BUCKET = "photos";
let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
});

afterAll(async () => {
  await s3?.stop();
});

function s3Env(extra: Record<string, string> = {}): Record<string, string> {
  return { ...s3StorageEnv(s3, BUCKET, `run-${Date.now()}/`), ...extra };
}

function bucketOf(env: Record<string, string>): S3PhotoStorage {
  return new S3PhotoStorage({
    bucket: BUCKET,
    prefix: env.S3_PREFIX!,
    endpoint: s3.endpoint,
    region: "us-east-1",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    timeoutMs: 10_000,
  });
}

async function keysIn(storage: PhotoStorage): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of storage.list()) keys.push(key);
  return keys;
}

async function addRedSquare(api: TestApp): Promise<{ id: string; url: string; bytes: Buffer }> {
  const bytes = await solidPng(220, 30, 30, 48);
  const response = await api.client.upload<{ addProduct: { id: string; photos: Array<{ url: string }> } }>(
    ADD_PRODUCT,
    { sourceUrl: `https://shop.example/red-${Math.random()}`, image: null },
    [{ variable: "variables.image", bytes, filename: "red.png", contentType: "image/png" }],
  );
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  const { id, photos } = response.data!.addProduct;
  return { id, url: photos[0]!.url, bytes };
}

describe.each([
  { kind: "local directory", env: () => ({}) },
  { kind: "S3-compatible server", env: () => s3Env() },
])("photos in a $kind", ({ env }) => {
  let api: TestApp;
  let settings: Record<string, string>;

  beforeAll(async () => {
    settings = env();
    api = await startTestApp(settings, pixelAnalysers());
  });

  afterAll(async () => {
    await api?.stop();
  });

  it("are analysed from the bytes read back through storage, and served with ETag, Range and long caching", async () => {
    const { id, url, bytes } = await addRedSquare(api);
    const analysed = await waitForAnalysis(api.client, id);
    expect(analysed.analysis.status).toBe("READY");
    expect(analysed.tags).toContain("color:red");
    expect(url).toBe(`${api.app.url}/uploads/${url.split("/uploads/")[1]}`);

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
    expect(whole.headers.get("content-type")).toBe("image/png");
    expect(whole.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = whole.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);

    expect((await fetch(url, { headers: { "if-none-match": etag! } })).status).toBe(304);
    const part = await fetch(url, { headers: { range: "bytes=4-13" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 4-13/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(4, 14));
    const tail = await fetch(url, { headers: { range: "bytes=-5" } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5));
    const past = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
    // If-Range with another validator: the whole photo, not the range.
    expect((await fetch(url, { headers: { range: "bytes=0-3", "if-range": '"other"' } })).status).toBe(200);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
  });

  it("answers 404 for a key that is not stored, and for anything that is not a key", async () => {
    const base = `${api.app.url}/uploads`;
    expect((await fetch(`${base}/ab/00000000-0000-4000-8000-000000000000.png`)).status).toBe(404);
    expect((await fetch(`${base}/.incoming/anything`)).status).toBe(404);
    expect((await fetch(`${base}/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/ab/%E0%A4%A.png`)).status).toBe(404); // a malformed escape
  });

  it("stores nothing for a refused upload", async () => {
    const before = await api.rowCounts();
    const response = await api.client.upload(ADD_PRODUCT, { sourceUrl: "https://shop.example/notes", image: null }, [
      { variable: "variables.image", bytes: Buffer.from("not an image at all"), filename: "notes.png", contentType: "image/png" },
    ]);
    expect(response.errors?.[0]?.extensions?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(await api.rowCounts()).toEqual(before);
    const stored = settings.STORAGE === "s3" ? await keysIn(bucketOf(settings)) : await api.storedFiles();
    expect(stored).toHaveLength(before.photo);
  });
});

describe("S3 storage", () => {
  it("keeps photos in the bucket only: the local folder holds no photo", async () => {
    const settings = s3Env();
    const api = await startTestApp(settings, pixelAnalysers());
    try {
      const { id } = await addRedSquare(api);
      await waitForAnalysis(api.client, id);
      expect(await api.storedFiles()).toEqual([]);
      const [row] = await api.sql<{ storage_key: string }>("select storage_key from photo where product_id = $1", [id]);
      expect(await keysIn(bucketOf(settings))).toEqual([row!.storage_key]);
    } finally {
      await api.stop();
    }
  });

  it("hands out short-lived presigned URLs with PHOTO_URLS=presigned, straight to the bucket", async () => {
    const api = await startTestApp(s3Env({ PHOTO_URLS: "presigned", PHOTO_URL_TTL_SECONDS: "60" }), pixelAnalysers());
    try {
      const { id, url, bytes } = await addRedSquare(api);
      expect(url.startsWith(`${s3.endpoint}/${BUCKET}/`)).toBe(true);
      expect(url).toContain("X-Amz-Expires=60");
      expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(bytes);
      const { data } = await api.client.query<{ product: { photos: Array<{ url: string }> } }>(PHOTO_URL, { id });
      expect(data!.product.photos[0]!.url).toContain("X-Amz-Signature=");
    } finally {
      await api.stop();
    }
  });

  it("refuses an upload with STORAGE_UNAVAILABLE while storage is down, and writes no row and leaves no scratch file", async () => {
    const own = await startS3Server({ buckets: [BUCKET] });
    const settings = s3StorageEnv(own, BUCKET, "outage/");
    const api = await startTestApp(settings, pixelAnalysers());
    try {
      await own.stop();
      const response = await api.client.upload(ADD_PRODUCT, { sourceUrl: "https://shop.example/outage", image: null }, [
        { variable: "variables.image", bytes: await solidPng(30, 30, 220, 48), filename: "blue.png", contentType: "image/png" },
      ]);
      expect(response.errors?.[0]?.extensions?.code).toBe("STORAGE_UNAVAILABLE");
      expect(await api.rowCounts()).toEqual({ product: 0, photo: 0 });
      expect(await api.storedFiles()).toEqual([]);
    } finally {
      await api.stop();
      await own.stop();
    }
  });

  it.each([
    ["a bucket that is not there", { S3_BUCKET: "no-such-bucket" }, /no-such-bucket/],
    ["refused credentials", { S3_SECRET_ACCESS_KEY: "wrong-secret" }, /credentials/i],
  ])("refuses to start on %s, with a clear error", async (_case, override, message) => {
    const database = await createTestDatabase();
    try {
      const config = loadConfig({ NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", DATABASE_URL: database.url, LOG_LEVEL: "silent", ...s3Env(override) });
      const started = startApp(config, pixelAnalysers());
      await expect(started).rejects.toMatchObject({ code: "STORAGE_UNAVAILABLE", message: expect.stringMatching(message) });
    } finally {
      await database.drop();
    }
  });
});
