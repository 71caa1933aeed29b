import { describe, expect, it } from "vitest";
import { UNIDENTIFIED_OBJECT_TYPE } from "../../src/analysis/local/unidentified-object.js";
import { flattenTags, isPlaceholderObjectType, normalizeTagValue, phraseTags, queryWords, singularize, tag, tagEvidence } from "../../src/analysis/tags.js";
import { features } from "../support/images.js";

describe("tag normalisation", () => {
  it.each([
    ["  Red ", "red"],
    ["Coffee Cups", "coffee cup"],
    ["GREY", "gray"],
    ["boxes", "box"],
    ["berries", "berry"],
    ["glass", "glass"],
    ["people", "person"],
    ["dress", "dress"],
    ["bus", "bus"],
    ["t_shirt", "t shirt"],
    ["'quoted'", "quoted"],
  ])("%j -> %j", (raw, expected) => {
    expect(normalizeTagValue(raw)).toBe(expected);
  });

  it("leaves short words alone", () => {
    expect(singularize("gas")).toBe("gas");
  });

  it("flattens features into sorted, unique, namespaced tags", () => {
    expect(flattenTags(features({ Cups: ["Red", "red"], cup: ["grey"] }, ["Minimalist", "minimalist"]))).toEqual([
      "color:gray",
      "color:red",
      "object:cup",
      "style:minimalist",
    ]);
  });

  it("turns free text into words without stop-words, and phrases into every namespace", () => {
    expect(queryWords("Show me a Red, cups!")).toEqual(["red", "cup"]);
    expect(queryWords("  ?? the of ")).toEqual([]);
    const phrases = phraseTags(["coffee", "mug"]);
    expect(phrases.flat()).toEqual(expect.arrayContaining(["color:coffee", "object:cup", "style:mug"]));
    expect(phrases.at(-1)).toContain("object:cup"); // "coffee mug" is a cup, by synonym
  });

  it.each([
    ["mug", "object:cup"],
    ["Sofas", "object:couch"],
    ["TV", "object:television"],
    ["television", "object:television"],
  ])("maps the object %j to %j", (raw, expected) => {
    expect(tag("object", raw)).toBe(expected);
  });

  it("keeps each tag's highest confidence, floored", () => {
    const evidence = tagEvidence({
      main_objects: [
        { object_type: "cup", confidence: 0.4, source: null, box: null, attributes: [{ kind: "color", value: "red", confidence: 0.05, source: null }] },
        { object_type: "cup", confidence: 0.8, source: null, box: null, attributes: [] },
      ],
      overall_style: [{ value: "bright", confidence: null, source: null }],
      caption: null,
    });
    expect(evidence).toEqual([
      { tag: "color:red", confidence: 0.2 },
      { tag: "object:cup", confidence: 0.8 },
      { tag: "style:bright", confidence: 1 },
    ]);
  });

  it("gives no object tag for an object that names no kind of thing, but keeps its attributes' tags", () => {
    expect(isPlaceholderObjectType(UNIDENTIFIED_OBJECT_TYPE)).toBe(true);
    const placeholders = features({ [UNIDENTIFIED_OBJECT_TYPE]: ["white"], "Unknown Objects": ["blue"], object: ["red"], unknown: [], cup: ["black"] });
    expect(flattenTags(placeholders)).toEqual(["color:black", "color:blue", "color:red", "color:white", "object:cup"]);
    // Real objects whose names merely contain such a word still count.
    expect(["cup", "object lesson", "flying object", "unknown soldier"].map(isPlaceholderObjectType)).toEqual([false, false, false, false]);
  });
});
