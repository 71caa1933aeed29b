import { describe, expect, it } from "vitest";
import { imageFeaturesSchema } from "../../src/analysis/features.js";
import type { RegionColours, WholeImageColours } from "../../src/analysis/local/colour/colour-analyst.js";
import type { Detection } from "../../src/analysis/local/detector/detections.js";
import { fuseEvidence, type PanelEvidence } from "../../src/analysis/local/fusion.js";
import { UNIDENTIFIED_OBJECT_TYPE } from "../../src/analysis/local/unidentified-object.js";
import type { ReadWord } from "../../src/analysis/local/text/text-reader.js";
import { flattenTags } from "../../src/analysis/tags.js";

/** Fusion of the experts' findings into ImageFeatures, on made-up evidence. */

const colours = (...named: Array<[RegionColours["named"][number]["name"], number]>): RegionColours => ({
  named: named.map(([name, share]) => ({ name, share })),
  clusters: [],
});

function wholeImage(overrides: Partial<WholeImageColours> = {}): WholeImageColours {
  return { ...colours(["white", 0.6], ["red", 0.2]), exposureGain: 1, meanLightness: 50, colourfulness: 40, ...overrides };
}

function evidence(detections: Array<[Detection, RegionColours]>, words: ReadWord[] = [], whole = wholeImage()): PanelEvidence {
  return {
    detections: detections.map(([detection]) => detection),
    detectionColours: detections.map(([, found]) => found),
    wholeImage: whole,
    words,
  };
}

const smallCup: Detection = { label: "cup", score: 0.6, box: { x: 0.1, y: 0.1, width: 0.2, height: 0.2 } };
const bigSofa: Detection = { label: "couch", score: 0.5, box: { x: 0.05, y: 0.2, width: 0.9, height: 0.7 } };
const word = (text: string, x: number, y: number): ReadWord => ({ text, confidence: 0.95, box: { x, y, width: 0.05, height: 0.02 } });

describe("fuseEvidence", () => {
  it("gives the photo's colours and stray words to the subject when one object fills the frame", () => {
    const features = fuseEvidence(evidence([[smallCup, colours(["red", 0.8])], [bigSofa, colours(["gray", 0.7])]], [word("nike", 0.5, 0.5)]));
    expect(imageFeaturesSchema.parse(features)).toEqual(features);
    expect(features.main_objects.map((object) => object.object_type)).toEqual(["couch", "cup"]);
    expect(features.caption).toBe("A gray couch and a red cup, with the text “nike”.");
    const sofa = features.main_objects[0]!;
    expect(sofa.attributes).toEqual([
      { kind: "color", value: "gray", confidence: 0.7, source: "colour" },
      { kind: "color", value: "white", confidence: 0.6, source: "colour" },
      { kind: "color", value: "red", confidence: 0.2, source: "colour" },
      { kind: "text", value: "nike", confidence: 0.95, source: "ocr" },
      { kind: "brand", value: "nike", confidence: 0.95, source: "fusion" },
    ]);
  });

  it("gives words to the smallest object around them", () => {
    const features = fuseEvidence(evidence([[smallCup, colours()], [bigSofa, colours()]], [word("mug", 0.15, 0.15)]));
    const cup = features.main_objects.find((object) => object.object_type === "cup");
    expect(cup?.attributes).toContainEqual({ kind: "text", value: "mug", confidence: 0.95, source: "ocr" });
  });

  it("keeps the photo's colours on an unidentified object when nothing large was detected", () => {
    const features = fuseEvidence(evidence([[smallCup, colours(["red", 0.8])]]));
    expect(features.main_objects.map((object) => object.object_type)).toEqual(["cup", UNIDENTIFIED_OBJECT_TYPE]);
    expect(features.main_objects[1]).toMatchObject({ confidence: null, source: "fusion", box: null });
    // The photo's colours are tags; the placeholder that holds them is not (it would match every photo).
    expect(flattenTags(features)).toEqual(["color:red", "color:white", "object:cup"]);
    expect(features.caption).toBe("A red cup.");
  });

  it("keeps one attribute per value, the most confident", () => {
    const features = fuseEvidence(evidence([[bigSofa, colours(["white", 0.3])]], [], wholeImage()));
    expect(features.main_objects[0]!.attributes.filter((attribute) => attribute.value === "white")).toEqual([
      { kind: "color", value: "white", confidence: 0.6, source: "colour" },
    ]);
  });

  it("says nothing about style without evidence, and what the palette shows when there is some", () => {
    expect(fuseEvidence(evidence([])).overall_style).toEqual([]);
    expect(fuseEvidence(evidence([], [], wholeImage({ named: [] }))).caption).toBeNull();
    const vivid = fuseEvidence(evidence([], [], wholeImage({ colourfulness: 90, meanLightness: 80 })));
    expect(vivid.overall_style.map((style) => [style.value, style.source])).toEqual([
      ["colorful", "colour"],
      ["bright", "colour"],
    ]);
  });

  it("names objects as normalised tag values", () => {
    const table: Detection = { label: "Dining  Tables", score: 0.7, box: { x: 0, y: 0, width: 1, height: 1 } };
    expect(fuseEvidence(evidence([[table, colours()]])).main_objects[0]!.object_type).toBe("dining table");
  });
});
