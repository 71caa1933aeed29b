import { describe, expect, it } from "vitest";
import { inferAttributeKind } from "../../src/analysis/attribute-vocabulary.js";
import { imageFeaturesSchema, MAX_ATTRIBUTES, MAX_MAIN_OBJECTS, MAX_STYLES, type ImageFeatures } from "../../src/analysis/features.js";
import { readFeaturesLeniently, type FeaturesReading } from "../../src/analysis/lenient-features.js";
import { nameColour } from "../../src/analysis/local/colour/basic-colours.js";
import { srgbToLab } from "../../src/analysis/local/colour/cielab.js";
import { flattenTags } from "../../src/analysis/tags.js";
import { COFFEE_FEATURES } from "../support/images.js";

/** Reads a reply; fails the test with the reader's reason if it cannot. */
function read(reply: unknown): ImageFeatures {
  const reading = readFeaturesLeniently(reply);
  if (!reading.success) throw new Error(`unreadable at ${reading.path}: ${reading.message}`);
  expect(imageFeaturesSchema.parse(reading.data)).toEqual(reading.data);
  return reading.data;
}

const failure = (reply: unknown) => {
  const reading: FeaturesReading = readFeaturesLeniently(reply);
  expect(reading.success).toBe(false);
  return reading.success ? null : { path: reading.path, message: reading.message };
};

const STRICT: ImageFeatures = COFFEE_FEATURES;

describe("reading tagger replies leniently", () => {
  it("reads our strict shape unchanged", () => {
    expect(read(STRICT)).toEqual(STRICT);
    expect(read(JSON.parse(JSON.stringify(STRICT)))).toEqual(STRICT);
  });

  it("reads the seed shape: attribute and style words, no confidence, source, box or caption", () => {
    const features = read({
      main_objects: [{ object_type: "cup", attributes: ["red", "ceramic", "striped", "round", "handmade"] }],
      overall_style: ["minimalist", "modern"],
    });
    expect(features).toEqual({
      main_objects: [
        {
          object_type: "cup",
          confidence: null,
          source: null,
          box: null,
          attributes: [
            { kind: "color", value: "red", confidence: null, source: null },
            { kind: "material", value: "ceramic", confidence: null, source: null },
            { kind: "pattern", value: "striped", confidence: null, source: null },
            { kind: "shape", value: "round", confidence: null, source: null },
            { kind: "other", value: "handmade", confidence: null, source: null },
          ],
        },
      ],
      overall_style: [
        { value: "minimalist", confidence: null, source: null },
        { value: "modern", confidence: null, source: null },
      ],
      caption: null,
    });
    expect(flattenTags(features)).toEqual([
      "color:red",
      "material:ceramic",
      "object:cup",
      "other:handmade",
      "pattern:striped",
      "shape:round",
      "style:minimalist",
      "style:modern",
    ]);
  });

  it("reads other reasonable variants", () => {
    const features = read({
      main_objects: [
        "saucer",
        { name: "Mug", confidence: "85%", attributes: { colour: ["Navy Blue", "white"], material: "stoneware", finish: "glossy" } },
        { type: "bag", confidence: "0.6", attributes: "brown, leather" },
        { label: "sign", attributes: ["text: Sale", "“open”", { kind: "colors", value: "yellow", confidence: 0.4 }, { value: "polka dots" }, "  "] },
      ],
      overall_style: "vintage, cosy",
      caption: "  ",
    });
    expect(features.main_objects.map((object) => [object.object_type, object.confidence])).toEqual([
      ["saucer", null],
      ["Mug", 0.85],
      ["bag", 0.6],
      ["sign", null],
    ]);
    expect(features.main_objects[1]!.attributes.map(({ kind, value }) => [kind, value])).toEqual([
      ["color", "Navy Blue"],
      ["color", "white"],
      ["material", "stoneware"],
      ["other", "glossy"],
    ]);
    expect(features.main_objects[2]!.attributes.map(({ kind, value }) => [kind, value])).toEqual([
      ["color", "brown"],
      ["material", "leather"],
    ]);
    expect(features.main_objects[3]!.attributes).toEqual([
      { kind: "text", value: "Sale", confidence: null, source: null },
      { kind: "text", value: "open", confidence: null, source: null },
      { kind: "color", value: "yellow", confidence: 0.4, source: null },
      { kind: "pattern", value: "polka dots", confidence: null, source: null },
    ]);
    expect(features.overall_style.map((style) => style.value)).toEqual(["vintage", "cosy"]);
    expect(features.caption).toBeNull();
  });

  it("cuts lists longer than the schema allows instead of refusing them, keeping the first", () => {
    const many = (count: number, make: (index: number) => unknown) => Array.from({ length: count }, (_, index) => make(index));
    const features = read({
      main_objects: many(MAX_MAIN_OBJECTS + 4, (index) => ({ object_type: `thing ${index}`, attributes: many(MAX_ATTRIBUTES + 5, (n) => `word ${n}`) })),
      overall_style: many(MAX_STYLES + 3, (index) => `style ${index}`),
    });
    expect(features.main_objects).toHaveLength(MAX_MAIN_OBJECTS);
    expect(features.main_objects[0]!.object_type).toBe("thing 0");
    expect(features.main_objects[0]!.attributes).toHaveLength(MAX_ATTRIBUTES);
    expect(features.overall_style).toHaveLength(MAX_STYLES);
    // Past the maximum nothing is read, so a broken item there costs nothing.
    expect(read({ main_objects: [...many(MAX_MAIN_OBJECTS, () => "cup"), 42] }).main_objects).toHaveLength(MAX_MAIN_OBJECTS);
  });

  it("drops a box it cannot read as fractions of the image, and fills a source that is no string as unknown", () => {
    const features = read({ main_objects: [{ object_type: "cup", box: { x: 120, y: 40, width: 300, height: 200 }, source: 7 }] });
    expect(features.main_objects[0]).toMatchObject({ box: null, source: null });
    expect(read({ main_objects: [{ object_type: "cup", box: [0.1, 0.1, 0.5, 0.5] }] }).main_objects[0]!.box).toBeNull();
  });

  it.each([
    ["not an object", "a red cup", "", /expected an object/],
    ["no main_objects", { overall_style: ["minimalist"] }, "main_objects", /array/],
    ["main_objects that is no list", { main_objects: "cup" }, "main_objects", /array/],
    ["an object without a type", { main_objects: [{ attributes: ["red"] }] }, "main_objects.0.object_type", /string/],
    ["an empty object type", { main_objects: [{ object_type: " " }] }, "main_objects.0.object_type", /.+/],
    ["a confidence over 1", { main_objects: [{ object_type: "cup", confidence: 7 }] }, "main_objects.0.confidence", /0 to 1/],
    ["a confidence that is a word", { main_objects: [{ object_type: "cup", attributes: [{ value: "red", confidence: "high" }] }] }, "main_objects.0.attributes.0.confidence", /0 to 1/],
    ["a percentage over 100", { main_objects: [{ object_type: "cup", confidence: "130%" }] }, "main_objects.0.confidence", /0 to 1/],
    ["an attribute that is a number", { main_objects: [{ object_type: "cup", attributes: ["red", 5] }] }, "main_objects.0.attributes.1", /string or an object/],
    ["an attribute too long", { main_objects: [{ object_type: "cup", attributes: ["x".repeat(81)] }] }, "main_objects.0.attributes.0", /.+/],
    ["a caption too long", { main_objects: [], caption: "a".repeat(301) }, "caption", /.+/],
    ["a caption that is no string", { main_objects: [], caption: 3 }, "caption", /string/],
  ])("still refuses %s, naming where", (_name, reply, path, message) => {
    expect(failure(reply)).toEqual({ path, message: expect.stringMatching(message) });
  });
});

describe("attribute kinds from our vocabularies", () => {
  it.each([
    ["red", "color"],
    ["Grey", "color"],
    ["dark blue", "color"],
    ["red and white", "color"],
    ["blue-green", "color"],
    ["ceramic", "material"],
    ["Stainless Steel", "material"],
    ["brushed steel", "material"],
    ["wooden", "material"],
    ["stripes", "pattern"],
    ["blue stripes", "pattern"],
    ["polka dot", "pattern"],
    ["floral", "pattern"],
    ["round", "shape"],
    ["heart-shaped", "shape"],
    ["rectangular", "shape"],
    ["handmade", "other"],
    ["large", "other"],
    ["", "other"],
  ])("%j is %s", (word, kind) => {
    expect(inferAttributeKind(word)).toBe(kind);
  });

  it("knows every colour name the local colour analyst gives", () => {
    const names = new Set<string>();
    for (let r = 0; r < 256; r += 17) for (let g = 0; g < 256; g += 17) for (let b = 0; b < 256; b += 17) names.add(nameColour(srgbToLab(r, g, b)));
    expect(names.size).toBeGreaterThanOrEqual(12);
    expect([...names].filter((name) => inferAttributeKind(name) !== "color")).toEqual([]);
  });
});
