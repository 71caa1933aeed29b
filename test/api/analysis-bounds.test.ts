import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import type { GraphQLClient, UploadPart } from "../support/graphql-client.js";
import { createLocalPanelTagger } from "../../src/analysis/local/index.js";
import type { ImageInput } from "../../src/analysis/tagger.js";
import { noiseJpeg } from "../support/noise-photos.js";
import { deadlineBetween } from "../support/panel-deadlines.js";
import { waitForAnalysis, type AnalysedProduct } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * No single image can stall analysis (issue 11, part 6), end to end: real
 * HTTP, real PostgreSQL, the real local panel in one worker thread, so a
 * photo uploaded after a bad one queues behind it.
 */

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;

let api: TestApp | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function upload(client: GraphQLClient, name: string, bytes: Uint8Array): Promise<{ id: string; uploadedAt: number }> {
  const image: UploadPart = { variable: "variables.image", bytes, filename: `${name}.jpg` };
  const response = await client.upload<{ addProduct: { id: string } }>(ADD_PRODUCT, { sourceUrl: `https://shop.example/${name}`, image: null }, [image]);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return { id: response.data!.addProduct.id, uploadedAt: performance.now() };
}

/** Waits for the analysis, and says how long it took from the upload. */
async function settled(client: GraphQLClient, product: { id: string; uploadedAt: number }, timeoutMs: number): Promise<AnalysedProduct & { tookMs: number }> {
  const done = await waitForAnalysis(client, product.id, timeoutMs);
  return { ...done, tookMs: performance.now() - product.uploadedAt };
}

/** The same coffee cup in bytes of its own each time: the catalogue refuses the same file twice. */
async function coffee(variant: number, width = 600): Promise<Buffer> {
  return sharp(await readFile("test/fixtures/coffee.png")).resize(width).jpeg({ quality: 90 - variant }).toBuffer();
}

describe("a 3000×2000 photo of random noise, with the default bounds", () => {
  it("ends within the deadline, and a normal photo uploaded right after it is READY within seconds of its own analysis time", async () => {
    const deadlineMs = 60_000;
    api = await startTestApp({ LOCAL_TAGGER_WORKERS: "1", TAGGER_TIMEOUT_MS: String(deadlineMs) });
    const alone = await settled(api.client, await upload(api.client, "coffee-alone", await coffee(0)), 120_000);
    expect(alone.analysis).toMatchObject({ status: "READY", error: null });

    const noise = await noiseJpeg({ width: 3000, height: 2000, seed: 11 });
    expect(noise.length).toBeGreaterThan(4_000_000); // incompressible, like the 7.6 MB photo
    const noisy = await upload(api.client, "noise", noise);
    const after = await upload(api.client, "coffee-after-noise", await coffee(1));

    const [noiseDone, afterDone] = await Promise.all([settled(api.client, noisy, deadlineMs * 4), settled(api.client, after, deadlineMs * 4)]);
    if (noiseDone.analysis.status === "FAILED") expect(noiseDone.analysis.error?.code).toMatch(/^[A-Z_]+$/);
    else expect(noiseDone.analysis.status).toBe("READY");
    expect(noiseDone.tookMs).toBeLessThan(deadlineMs);
    expect(afterDone.analysis).toMatchObject({ status: "READY", attempts: 1, error: null });
    expect(afterDone.tags).toContain("object:cup");
    // Its own time, plus the noise photo's bounded analysis ahead of it: seconds, with a loaded machine's margin.
    expect(afterDone.tookMs).toBeLessThan(alone.tookMs + 20_000);
  }, 300_000);
});

/**
 * TAGGER_TIMEOUT_MS for the texture test, measured on this machine with the real panel (one
 * thread, OCR unbounded): between the texture's whole analysis, which it must stop, and the
 * slower of the coffee cup's and the texture's without OCR (its retry), which must finish.
 */
async function deadlineOnThisMachine(textureBytes: Buffer, coffeeBytes: Buffer): Promise<number> {
  const folder = await mkdtemp(path.join(tmpdir(), "lookalike-deadline-"));
  const tagger = createLocalPanelTagger({ workers: 1, preload: true, ocr: true, ocrMaxRegions: 100_000, ocrBudgetMs: 600_000 });
  try {
    const texture = await imageInput(path.join(folder, "texture.jpg"), textureBytes);
    const cup = await imageInput(path.join(folder, "coffee.jpg"), coffeeBytes);
    return (await deadlineBetween(tagger, texture, [{ input: cup }, { input: texture, skipSteps: ["ocr"] }])).deadlineMs;
  } finally {
    await tagger.close();
    await rm(folder, { recursive: true, force: true });
  }
}

async function imageInput(filePath: string, bytes: Buffer): Promise<ImageInput> {
  await writeFile(filePath, bytes);
  const metadata = await sharp(bytes).metadata();
  return { bytes, mimeType: `image/${metadata.format}`, width: metadata.width!, height: metadata.height!, sha256: createHash("sha256").update(bytes).digest("hex") };
}

describe("a texture that keeps OCR busy past the deadline (OCR unbounded, as before)", () => {
  it("is stopped at the deadline and retried without OCR, which the READY analysis says; the photo behind it is not retried", async () => {
    const textureBytes = await noiseJpeg({ width: 3000, height: 2000, cell: 10, seed: 7 });
    const deadlineMs = await deadlineOnThisMachine(textureBytes, await coffee(0, 320));
    api = await startTestApp({
      LOCAL_TAGGER_WORKERS: "1",
      TAGGER_TIMEOUT_MS: String(deadlineMs),
      // Out of the way, so that only the deadline can stop this texture's OCR.
      LOCAL_TAGGER_OCR_BUDGET_MS: "600000",
      LOCAL_TAGGER_OCR_MAX_REGIONS: "100000",
      ANALYSIS_RETRY_DELAY_SECONDS: "1",
    });
    // A small photo: its whole analysis fits well inside this short deadline, even on a loaded machine.
    await settled(api.client, await upload(api.client, "warm-up", await coffee(5, 320)), 120_000);
    const alone = await settled(api.client, await upload(api.client, "coffee-alone", await coffee(0, 320)), 120_000);
    expect(alone.analysis).toMatchObject({ status: "READY", error: null });

    const texture = await upload(api.client, "texture", textureBytes);
    const after = await upload(api.client, "coffee-after-texture", await coffee(1, 320));
    const [textureDone, afterDone] = await Promise.all([settled(api.client, texture, 120_000), settled(api.client, after, 120_000)]);

    expect(textureDone.analysis).toMatchObject({
      status: "READY",
      attempts: 2,
      error: { code: "ANALYSIS_PARTIAL", message: expect.stringContaining("ocr was left out") },
    });
    expect(textureDone.tags.filter((tag) => tag.startsWith("text:"))).toEqual([]);
    // Behind the texture for at most one deadline (plus a fresh thread's model loading), then its own analysis.
    expect(afterDone.analysis).toMatchObject({ status: "READY", attempts: 1, error: null });
    expect(afterDone.tookMs).toBeLessThan(deadlineMs + alone.tookMs + 20_000);
  }, 300_000);

  it("ends FAILED with TAGGER_TIMEOUT after the retry limit when even the reduced analysis cannot finish", async () => {
    api = await startTestApp({
      LOCAL_TAGGER_WORKERS: "1",
      // Too short for any photo of this size, OCR or not, on a thread that must also load its models.
      TAGGER_TIMEOUT_MS: "100",
      ANALYSIS_RETRY_LIMIT: "1",
      ANALYSIS_RETRY_DELAY_SECONDS: "1",
    });
    const texture = await upload(api.client, "texture", await noiseJpeg({ width: 3000, height: 2000, cell: 10, seed: 8 }));
    const done = await settled(api.client, texture, 120_000);
    expect(done.analysis).toMatchObject({ status: "FAILED", attempts: 2, error: { code: "TAGGER_TIMEOUT" } });
  }, 300_000);
});
