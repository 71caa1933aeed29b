import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { nameColour } from "../../src/analysis/local/colour/basic-colours.js";
import { deltaE2000, hexToLab, srgbToLab } from "../../src/analysis/local/colour/cielab.js";
import { objectColours, wholeImageColours } from "../../src/analysis/local/colour/colour-analyst.js";
import { colourfulness } from "../../src/analysis/local/colour/colourfulness.js";
import { kMeans } from "../../src/analysis/local/colour/kmeans.js";
import { styleFromPalette } from "../../src/analysis/local/colour/palette-style.js";
import { COCO_LABELS } from "../../src/analysis/local/detector/coco-labels.js";
import { intersectionOverUnion, suppressOverlaps, type Detection } from "../../src/analysis/local/detector/detections.js";
import type { RgbImage } from "../../src/analysis/local/rgb-image.js";
import { isKnownBrand } from "../../src/analysis/local/text/brands.js";
import { readableWord } from "../../src/analysis/local/text/word-filter.js";
import { normalizeTagValue } from "../../src/analysis/tags.js";

/** The experts' pure parts, without models. */

describe("CIELAB and colour names", () => {
  it("computes CIEDE2000 like Sharma, Wu and Dalal's reference data", () => {
    const pairs: Array<[[number, number, number], [number, number, number], number]> = [
      [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
      [[50, -1.3802, -84.2814], [50, 0, -82.7485], 1.0],
      [[50, 2.5, 0], [73, 25, -18], 27.1492],
      [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    ];
    for (const [[l1, a1, b1], [l2, a2, b2], expected] of pairs) {
      expect(deltaE2000({ l: l1, a: a1, b: b1 }, { l: l2, a: a2, b: b2 })).toBeCloseTo(expected, 3);
    }
  });

  it("converts sRGB white and black to the ends of the lightness scale", () => {
    expect(srgbToLab(255, 255, 255).l).toBeCloseTo(100, 1);
    expect(srgbToLab(0, 0, 0).l).toBeCloseTo(0, 5);
  });

  it.each([
    ["#d01010", "red"],
    ["#ff8000", "orange"],
    ["#f2e030", "yellow"],
    ["#2a8a2a", "green"],
    ["#1e50d0", "blue"],
    ["#101a50", "navy"],
    ["#7a2a9a", "purple"],
    ["#f4a0c0", "pink"],
    ["#6a4020", "brown"],
    ["#e8dcc0", "beige"],
    ["#fcfcfc", "white"],
    ["#7c7c7c", "gray"],
    ["#080808", "black"],
  ])("names %s %s", (hex, name) => {
    expect(nameColour(hexToLab(hex))).toBe(name);
  });
});

describe("k-means", () => {
  it("finds two colours in two-colour data, largest first, the same way every time", () => {
    const red = srgbToLab(220, 20, 20);
    const blue = srgbToLab(20, 40, 220);
    const points = [...Array(30).fill(red), ...Array(10).fill(blue)];
    const clusters = kMeans(points, 4);
    expect(clusters.map((cluster) => Math.round(cluster.share * 100))).toEqual([75, 25]);
    expect(clusters[0]!.centre.l).toBeCloseTo(red.l, 5);
    expect(kMeans(points, 4)).toEqual(clusters);
  });
});

async function solidImage(width: number, height: number, paint: (x: number, y: number) => [number, number, number]): Promise<RgbImage> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(paint(x, y), (y * width + x) * 3);
  }
  return { width, height, pixels };
}

describe("colour analyst", () => {
  it("reads the whole photo's colours and each box's own", async () => {
    const image = await solidImage(100, 100, (x) => (x < 50 ? [240, 240, 240] : [30, 60, 200]));
    const whole = await wholeImageColours(image);
    expect(whole.named.map((colour) => colour.name).sort()).toEqual(["blue", "white"]);
    const rightHalf = await objectColours(image, { x: 0.5, y: 0, width: 0.5, height: 1 }, whole.exposureGain);
    expect(rightHalf.named.map((colour) => colour.name)).toEqual(["blue"]);
  });

  it("sees an under-exposed orange as orange, not brown", async () => {
    // An orange fruit shot in poor light, with a lemon for the brightest patch.
    const image = await solidImage(60, 60, (x) => (x < 45 ? [160, 95, 20] : [190, 180, 90]));
    const whole = await wholeImageColours(image);
    expect(whole.exposureGain).toBeGreaterThan(1);
    expect(whole.named[0]?.name).toBe("orange");
  });

  it("measures colourfulness on Hasler and Süsstrunk's scale", async () => {
    expect(colourfulness(Buffer.from([90, 90, 90, 200, 200, 200]))).toBe(0);
    const vivid = await sharp({ create: { width: 2, height: 1, channels: 3, background: "#ff0000" } }).raw().toBuffer();
    expect(colourfulness(Buffer.concat([vivid, Buffer.from([0, 0, 255])]))).toBeGreaterThan(100);
  });

  it("names a style only from measured evidence", () => {
    expect(styleFromPalette({ colourfulness: 0, meanLightness: 50 }).map((style) => style.value)).toEqual(["monochrome"]);
    expect(styleFromPalette({ colourfulness: 20, meanLightness: 20 }).map((style) => style.value)).toEqual(["muted", "dark"]);
    expect(styleFromPalette({ colourfulness: 70, meanLightness: 85 }).map((style) => style.value)).toEqual(["colorful", "bright"]);
    expect(styleFromPalette({ colourfulness: 45, meanLightness: 50 })).toEqual([]);
  });
});

describe("detector labels", () => {
  it("are the 80 COCO classes, already normalised tag values", () => {
    expect(COCO_LABELS).toHaveLength(80);
    expect(COCO_LABELS.filter((label) => normalizeTagValue(label) !== label)).toEqual([]);
  });
});

describe("non-maximum suppression", () => {
  const box = (x: number, y: number, width = 0.2, height = 0.2) => ({ x, y, width, height });
  const detection = (label: string, score: number, at: ReturnType<typeof box>): Detection => ({ label, score, box: at });
  const rules = { sameClassIou: 0.5, otherClassIou: 0.7, otherClassScoreRatio: 0.6, maxDetections: 10 };

  it("measures overlap as intersection over union", () => {
    expect(intersectionOverUnion(box(0, 0), box(0, 0))).toBe(1);
    expect(intersectionOverUnion(box(0, 0), box(0.5, 0.5))).toBe(0);
    expect(intersectionOverUnion(box(0, 0, 0.2, 0.2), box(0.1, 0, 0.2, 0.2))).toBeCloseTo(1 / 3, 5);
  });

  it("keeps the best of overlapping boxes of one class, and separate objects", () => {
    const kept = suppressOverlaps([detection("cup", 0.5, box(0, 0)), detection("cup", 0.8, box(0.01, 0)), detection("cup", 0.4, box(0.6, 0.6))], rules);
    expect(kept.map((found) => found.score)).toEqual([0.8, 0.4]);
  });

  it("keeps a second reading of the same spot only when it scores close to the first", () => {
    const spot = box(0.3, 0.3, 0.4, 0.4);
    const kept = suppressOverlaps([detection("cat", 0.5, spot), detection("dog", 0.2, spot), detection("apple", 0.45, spot)], rules);
    expect(kept.map((found) => found.label)).toEqual(["cat", "apple"]);
  });
});

describe("OCR word filter", () => {
  it.each([
    ["PARKING", 96, "parking"],
    ["Prohibited.", 91, "prohibited"],
    ["“NIKE”", 88, "nike"],
    ["sale", 30, null],
    ["ALLTINES", 0, null],
    ["IY", 95, null],
    ["|||", 94, null],
    ["2024", 95, null],
    ["grrr", 90, null],
    ["llll", 90, null],
  ])("%s at %i -> %s", (raw, confidence, expected) => {
    expect(readableWord(raw, confidence)).toBe(expected);
  });

  it("knows a few brands, by exact word", () => {
    expect(isKnownBrand("nike")).toBe(true);
    expect(isKnownBrand("nikes")).toBe(false);
  });
});
