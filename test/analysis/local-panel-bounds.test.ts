import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeWithDeadline } from "../../src/analysis/analyze-with-deadline.js";
import { TaggerTimeoutError } from "../../src/analysis/errors.js";
import { createLocalPanelTagger, type LocalPanelTagger } from "../../src/analysis/local/index.js";
import type { ImageInput } from "../../src/analysis/tagger.js";
import { flattenTags } from "../../src/analysis/tags.js";
import { noiseJpeg } from "../support/noise-photos.js";
import { deadlineBetween } from "../support/panel-deadlines.js";

/**
 * The real panel's bounds: OCR skips a texture, gives up past its own budget,
 * can be left out, and a deadline stops the thread doing the work.
 */

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
let scratch: string;
let texture: ImageInput;
let scenetext: ImageInput;
const taggers: LocalPanelTagger[] = [];

async function imageInput(filePath: string): Promise<ImageInput> {
  const bytes = await readFile(filePath);
  const metadata = await sharp(bytes).metadata();
  return { bytes, mimeType: `image/${metadata.format}`, width: metadata.width!, height: metadata.height!, sha256: createHash("sha256").update(bytes).digest("hex") };
}

function panel(options: { ocrBudgetMs?: number; ocrMaxRegions?: number }): LocalPanelTagger {
  const tagger = createLocalPanelTagger({ workers: 1, preload: true, ocr: true, ...options });
  taggers.push(tagger);
  return tagger;
}

/** What onStepSkipped reported, and the steps that finished. */
async function analyse(tagger: LocalPanelTagger, input: ImageInput, skipSteps: string[] = []) {
  const skipped: Array<{ step: string; reason: string }> = [];
  const steps: string[] = [];
  const features = await tagger.analyze(input, { skipSteps, onStep: (step) => steps.push(step), onStepSkipped: (step, reason) => skipped.push({ step, reason }) });
  return { tags: flattenTags(features), skipped, steps };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "lookalike-panel-bounds-"));
  // 10 px black-and-white squares: measured at 150-200 candidate text regions and seconds of OCR.
  const texturePath = path.join(scratch, "texture.jpg");
  await writeFile(texturePath, await noiseJpeg({ width: 3000, height: 2000, cell: 10 }));
  texture = await imageInput(texturePath);
  scenetext = await imageInput(path.join(FIXTURES, "scenetext01.jpg"));
});

afterAll(async () => {
  await Promise.all(taggers.map((tagger) => tagger.close()));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("OCR's bounds in the local panel", () => {
  it("skips recognition on a texture with more candidate text regions than its limit, and still reads a sign", async () => {
    const tagger = panel({ ocrMaxRegions: 60, ocrBudgetMs: 120_000 });
    const onTexture = await analyse(tagger, texture);
    expect(onTexture.skipped).toEqual([{ step: "ocr", reason: expect.stringMatching(/^OCR skipped: \d+ candidate text regions, more than 60/) }]);
    expect(onTexture.tags.filter((tag) => tag.startsWith("text:"))).toEqual([]);

    const onSign = await analyse(tagger, scenetext);
    expect(onSign.skipped).toEqual([]);
    expect(onSign.tags).toEqual(expect.arrayContaining(["text:parking", "text:prohibited"]));
  }, 120_000);

  it("gives up past its time budget, and reads the next photo with a fresh Tesseract", async () => {
    const tagger = panel({ ocrMaxRegions: 100_000, ocrBudgetMs: 1_500 });
    const onTexture = await analyse(tagger, texture);
    expect(onTexture.skipped).toEqual([{ step: "ocr", reason: "OCR did not finish within its 1500 ms budget" }]);

    const onSign = await analyse(tagger, scenetext);
    expect(onSign.skipped).toEqual([]);
    expect(onSign.tags).toEqual(expect.arrayContaining(["text:parking", "text:prohibited"]));
  }, 120_000);

  it("leaves OCR out when asked to", async () => {
    const tagger = panel({});
    const { tags, steps, skipped } = await analyse(tagger, scenetext, ["ocr"]);
    expect([...steps].sort()).toEqual(["colour", "detector"]);
    expect(tags.filter((tag) => tag.startsWith("text:"))).toEqual([]);
    expect(skipped).toEqual([]);
    expect(tagger.optionalSteps).toEqual(["ocr"]);
  }, 120_000);
});

describe("a deadline on the local panel", () => {
  it("stops the thread still reading, says which step was unfinished, and the next photo runs on a fresh thread", async () => {
    // Unbounded OCR, as before this issue: only the deadline can stop it.
    const tagger = panel({ ocrMaxRegions: 100_000, ocrBudgetMs: 600_000 });
    const { deadlineMs } = await deadlineBetween(tagger, texture, [{ input: scenetext }]);
    let startedAt = 0;
    const failure = await analyzeWithDeadline(tagger, texture, deadlineMs, { onStarted: () => (startedAt = performance.now()) }).catch((error: unknown) => error);
    const tookMs = performance.now() - startedAt;
    expect(failure).toBeInstanceOf(TaggerTimeoutError);
    expect((failure as TaggerTimeoutError).details).toMatchObject({ timeoutMs: deadlineMs, unfinishedSteps: expect.arrayContaining(["ocr"]) });
    expect(tookMs).toBeLessThan(deadlineMs + 1_000);
    expect(tagger.stats()).toMatchObject({ stoppedWorkers: 1, replacedWorkers: 1 });

    const next = await analyzeWithDeadline(tagger, scenetext, 60_000);
    expect(flattenTags(next)).toEqual(expect.arrayContaining(["text:parking"]));
    expect(tagger.health()).toMatchObject({ ready: true });
  }, 120_000);

  it("counts the deadline from the start of the work: a photo queued behind a stuck one still gets all of it", async () => {
    const tagger = panel({ ocrMaxRegions: 100_000, ocrBudgetMs: 600_000 });
    const coffee = await imageInput(path.join(FIXTURES, "coffee.png"));
    const { deadlineMs } = await deadlineBetween(tagger, texture, [{ input: coffee }]);
    const stuck = analyzeWithDeadline(tagger, texture, deadlineMs).catch((error: unknown) => error);
    const queued = analyzeWithDeadline(tagger, coffee, deadlineMs);
    await expect(stuck).resolves.toBeInstanceOf(TaggerTimeoutError);
    expect(flattenTags(await queued)).toContain("object:cup");
  }, 120_000);
});
