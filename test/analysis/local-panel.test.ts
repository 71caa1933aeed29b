import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageFeaturesSchema, type ImageFeatures } from "../../src/analysis/features.js";
import { createLocalPanelTagger, ImageAnalysisFailedError, type LocalPanelTagger } from "../../src/analysis/local/index.js";
import type { ImageInput } from "../../src/analysis/tagger.js";
import { flattenTags } from "../../src/analysis/tags.js";

/**
 * The real panel (CenterNet, colour analyst, Tesseract) in one worker thread,
 * shared by the whole file, on the labelled fixture photos and on odd inputs.
 */

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

interface PhotoLabels {
  objects: string[];
  colours: string[];
  text: string[];
}
const labels = JSON.parse(await readFile(path.join(FIXTURES, "labels.json"), "utf8")) as {
  photos: Record<string, PhotoLabels>;
  invalid: Record<string, string>;
};

let tagger: LocalPanelTagger;
let scratch: string;

beforeAll(async () => {
  tagger = createLocalPanelTagger({ workers: 1, preload: true, ocr: true });
  scratch = await mkdtemp(path.join(tmpdir(), "lookalike-local-panel-"));
});

afterAll(async () => {
  await tagger?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function imageInput(filePath: string): Promise<ImageInput> {
  const bytes = await readFile(filePath);
  const metadata = await sharp(bytes).metadata();
  return {
    bytes,
    mimeType: `image/${metadata.format}`,
    width: metadata.width ?? 0,
    height: metadata.height ?? 0,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

/** For files sharp cannot (or must not) read: the tagger gets what intake would have said. */
async function unreadInput(filePath: string): Promise<ImageInput> {
  return { bytes: await readFile(filePath), mimeType: "image/jpeg", width: 1, height: 1, sha256: "0".repeat(64) };
}

async function analyzeFile(filePath: string): Promise<{ features: ImageFeatures; tags: string[] }> {
  const features = await tagger.analyze(await imageInput(filePath));
  expect(imageFeaturesSchema.safeParse(features).success).toBe(true);
  return { features, tags: flattenTags(features) };
}

function valuesIn(tags: string[], namespace: string): string[] {
  return tags.filter((tag) => tag.startsWith(`${namespace}:`)).map((tag) => tag.slice(namespace.length + 1));
}

describe("the local panel on the labelled photos", () => {
  it.each(Object.entries(labels.photos))("%s: finds the labelled objects, colours and words", async (name, expected) => {
    const { features, tags } = await analyzeFile(path.join(FIXTURES, name));
    const objects = valuesIn(tags, "object");
    // One sentence naming the most prominent object.
    expect(features.caption).toMatch(new RegExp(`^An? .*${features.main_objects[0]!.object_type}.*\\.$`));
    if (expected.objects.length > 0) expect(objects.filter((object) => expected.objects.includes(object)), `found ${objects.join(", ")}`).not.toEqual([]);
    expect(valuesIn(tags, "color")).toEqual(expect.arrayContaining(expected.colours));
    // Photos without text must not get words made up from texture.
    if (expected.text.length === 0) expect(valuesIn(tags, "text")).toEqual([]);
    else expect(valuesIn(tags, "text")).toEqual(expect.arrayContaining(expected.text));
  });

  it.each(Object.keys(labels.invalid))("rejects %s with a typed error", async (name) => {
    await expect(tagger.analyze(await unreadInput(path.join(FIXTURES, name)))).rejects.toSatisfy(
      (error) => error instanceof ImageAnalysisFailedError && error.code === "IMAGE_ANALYSIS_FAILED",
    );
  });

  it("keeps confidence and source on every tag, and boxes inside the image", async () => {
    const { features } = await analyzeFile(path.join(FIXTURES, "coffee.png"));
    const cup = features.main_objects.find((object) => object.object_type === "cup");
    expect(cup).toMatchObject({ source: "detector", confidence: expect.any(Number) });
    expect(cup?.box).not.toBeNull();
    expect(cup?.attributes.every((attribute) => attribute.source === "colour" && attribute.confidence !== null)).toBe(true);
    expect(features.overall_style.every((style) => style.source === "colour")).toBe(true);
  });

  it("reports each expert as it finishes", async () => {
    const steps: string[] = [];
    await tagger.analyze(await imageInput(path.join(FIXTURES, "scenetext01.jpg")), { onStep: (step) => steps.push(step) });
    expect([...steps].sort()).toEqual(["colour", "detector", "ocr"]);
  });

  it("is ready once the models are loaded", async () => {
    await analyzeFile(path.join(FIXTURES, "chelsea.png"));
    expect(tagger.health()).toMatchObject({ name: "local", ready: true });
  });

  it("leaks no TensorFlow tensors from one photo to the next", async () => {
    const input = await imageInput(path.join(FIXTURES, "fruits.jpg"));
    const counts: Array<number | null> = [];
    for (let round = 0; round < 3; round++) {
      await tagger.analyze(input);
      counts.push(tagger.stats().liveTensorsAfterLastAnalysis);
    }
    expect(counts[0]).toBeGreaterThan(0);
    expect(new Set(counts).size).toBe(1);
  });

  it("keeps the event loop free while it analyses", async () => {
    // A correctness check with a generous bound: inference runs in a worker thread, so the
    // main thread only passes messages. Speed itself is measured by the benchmarks.
    const tick = 10;
    let last = performance.now();
    let worstLag = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last - tick);
      last = now;
    }, tick);
    try {
      const inputs = await Promise.all(["astronaut.png", "coffee.png", "scenetext01.jpg"].map((name) => imageInput(path.join(FIXTURES, name))));
      await Promise.all(inputs.map((input) => tagger.analyze(input)));
    } finally {
      clearInterval(timer);
    }
    expect(worstLag).toBeLessThan(250);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const input = await imageInput(path.join(FIXTURES, "coffee.png"));
    const reason = new Error("client went away");
    await expect(tagger.analyze(input, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);

    const controller = new AbortController();
    const running = tagger.analyze(input);
    const queued = tagger.analyze(input, { signal: controller.signal });
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    await expect(running).resolves.toBeDefined();
  });
});

describe("a lazy local panel without OCR", () => {
  it("is ready before loading anything, says so, and reads no text", async () => {
    const lazy = createLocalPanelTagger({ workers: 1, preload: false, ocr: false });
    try {
      expect(lazy.health()).toMatchObject({ ready: true, detail: expect.stringMatching(/^lazy/) });
      const steps: string[] = [];
      const features = await lazy.analyze(await imageInput(path.join(FIXTURES, "scenetext01.jpg")), { onStep: (step) => steps.push(step) });
      expect([...steps].sort()).toEqual(["colour", "detector"]);
      expect(valuesIn(flattenTags(features), "text")).toEqual([]);
      expect(valuesIn(flattenTags(features), "object")).toContain("car");
    } finally {
      await lazy.close();
    }
    await expect(lazy.analyze(await imageInput(path.join(FIXTURES, "coffee.png")))).rejects.toThrow(/closed/);
  });
});

describe("the local panel on odd inputs", () => {
  const COFFEE = () => path.join(FIXTURES, "coffee.png");
  const write = async (name: string, bytes: Buffer) => {
    const filePath = path.join(scratch, name);
    await writeFile(filePath, bytes);
    return filePath;
  };

  it("analyses a 1x1 image: colours, no objects", async () => {
    const file = await write("dot.png", await sharp({ create: { width: 1, height: 1, channels: 3, background: "#d01010" } }).png().toBuffer());
    const { features, tags } = await analyzeFile(file);
    expect(valuesIn(tags, "color")).toEqual(["red"]);
    expect(features.main_objects.map((object) => object.object_type)).toEqual(["unidentified object"]);
    expect(tags.filter((tag) => tag.startsWith("object:"))).toEqual([]); // the placeholder holds the colours but is no tag
  });

  it("analyses a greyscale photo and calls it monochrome", async () => {
    const file = await write("grey.jpg", await sharp(COFFEE()).toColourspace("b-w").jpeg().toBuffer());
    expect((await sharp(file).metadata()).channels).toBe(1);
    const { tags } = await analyzeFile(file);
    expect(tags).toContain("object:cup");
    expect(tags).toContain("style:monochrome");
  });

  it("flattens transparency onto white instead of reading it as black", async () => {
    const square = await sharp({ create: { width: 80, height: 80, channels: 4, background: "#e02020ff" } }).png().toBuffer();
    const cutOut = await sharp({ create: { width: 240, height: 240, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: square, left: 80, top: 80 }])
      .png()
      .toBuffer();
    const { tags } = await analyzeFile(await write("cut-out.png", cutOut));
    expect(valuesIn(tags, "color")).toEqual(expect.arrayContaining(["white", "red"]));
    expect(valuesIn(tags, "color")).not.toContain("black");
  });

  it("converts a CMYK JPEG to sRGB before reading colours", async () => {
    const file = await write("cmyk.jpg", await sharp(COFFEE()).toColourspace("cmyk").jpeg().toBuffer());
    expect((await sharp(file).metadata()).space).toBe("cmyk");
    const { tags } = await analyzeFile(file);
    expect(tags).toContain("object:cup");
    expect(valuesIn(tags, "color")).toEqual(expect.arrayContaining(["red", "orange"]));
  });

  it("applies the EXIF orientation before reading text", async () => {
    // Pixels stored on their side, with the tag that tells a viewer to turn them upright.
    const sideways = await sharp(path.join(FIXTURES, "scenetext01.jpg")).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const file = await write("sideways.jpg", sideways);
    expect((await sharp(file).metadata()).orientation).toBe(6);
    const { tags } = await analyzeFile(file);
    expect(valuesIn(tags, "text")).toEqual(expect.arrayContaining(["parking"]));
  });

  it("reads the first frame of an animated GIF", async () => {
    const first = await sharp(COFFEE()).resize(320, 240, { fit: "fill" }).png().toBuffer();
    const second = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#1030d0" } }).png().toBuffer();
    const gif = await sharp([first, second], { join: { animated: true } }).gif().toBuffer();
    const file = await write("animated.gif", gif);
    expect((await sharp(file).metadata()).pages).toBe(2);
    const { tags } = await analyzeFile(file);
    expect(tags).toContain("object:cup");
    expect(valuesIn(tags, "color")).not.toContain("blue");
  });

  it("refuses an image whose header declares a huge canvas, before decoding it", async () => {
    const file = await write("bomb.png", withPngSize(await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } }).png().toBuffer(), 60_000, 60_000));
    await expect(tagger.analyze(await unreadInput(file))).rejects.toSatisfy(
      (error) => error instanceof ImageAnalysisFailedError && /too many pixels/.test(error.message),
    );
  });

  it("rejects a file that is not an image", async () => {
    const file = await write("notes.jpg", Buffer.from("not an image at all"));
    await expect(tagger.analyze(await unreadInput(file))).rejects.toBeInstanceOf(ImageAnalysisFailedError);
  });
});

/** Rewrites the IHDR of a PNG to declare another size (and fixes its CRC): a decompression bomb's header. */
function withPngSize(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);
  // Signature (8) + IHDR length (4) + "IHDR" (4), then width and height.
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  patched.writeUInt32BE(crc32(patched.subarray(12, 29)), 29);
  return patched;
}
