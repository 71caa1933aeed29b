import { describe, expect, it } from "vitest";
import type { Attribute, MainObject } from "../../src/analysis/features.js";
import { composeCaption } from "../../src/analysis/local/caption.js";
import { UNIDENTIFIED_OBJECT_TYPE } from "../../src/analysis/local/index.js";

/** The local panel's caption: one deterministic sentence from its fused findings. */

const colour = (value: string, confidence: number): Attribute => ({ kind: "color", value, confidence, source: "colour" });
const text = (value: string): Attribute => ({ kind: "text", value, confidence: 0.9, source: "ocr" });
const object = (type: string, ...attributes: Attribute[]): MainObject => ({ object_type: type, confidence: 0.8, source: "detector", box: null, attributes });
const styles = (...values: string[]) => values.map((value) => ({ value, confidence: 0.7, source: "colour" }));

describe("composeCaption", () => {
  it("names the objects with their main colour, the words read and the style", () => {
    const caption = composeCaption({
      main_objects: [object("cup", colour("white", 0.2), colour("red", 0.7), text("nescafe")), object("plate", colour("white", 0.9))],
      overall_style: styles("minimalist"),
    });
    expect(caption).toBe("A red cup and a white plate, with the text “nescafe”; minimalist style.");
  });

  it("says an before a vowel, names each object once and lists words and styles", () => {
    const caption = composeCaption({
      main_objects: [object("umbrella"), object("orange", colour("orange", 0.5)), object("umbrella", colour("black", 1)), object("bench", text("open"))],
      overall_style: styles("colorful", "bright"),
    });
    expect(caption).toBe("An umbrella, an orange orange and a bench, with the text “open”; colorful and bright style.");
  });

  it("describes the photo by its colours when no object was identified", () => {
    const photo = object(UNIDENTIFIED_OBJECT_TYPE, colour("white", 0.6), colour("blue", 0.3), colour("red", 0.1), text("sale"), text("today"));
    expect(composeCaption({ main_objects: [photo], overall_style: [] })).toBe("A photo in white and blue, with the words “sale” and “today”.");
  });

  it("is null when nothing was found", () => {
    expect(composeCaption({ main_objects: [], overall_style: [] })).toBeNull();
  });

  it("stays within the schema's 300 characters", () => {
    const long = object("cup", text("x".repeat(80)), text("y".repeat(80)), text("z".repeat(80)));
    const caption = composeCaption({ main_objects: [long, object("a".repeat(80)), object("b".repeat(80))], overall_style: styles("vintage") })!;
    expect(caption.length).toBeLessThanOrEqual(300);
    expect(caption.endsWith("…")).toBe(true);
  });
});
