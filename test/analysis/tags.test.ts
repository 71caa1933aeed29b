import { describe, expect, it } from "vitest";
import { flattenTags, normalizeTagValue, singularize, tagsForWords } from "../../src/analysis/tags.js";
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

  it("turns free text into every namespace a word could mean", () => {
    const tags = tagsForWords("Red, cups!");
    expect(tags).toContain("color:red");
    expect(tags).toContain("object:cup");
    expect(tags).toContain("style:red");
    expect(tagsForWords("  ?? ")).toEqual([]);
  });
});
