import { ATTRIBUTE_KINDS, type ImageFeatures } from "./features.js";

/**
 * The flattened tag vocabulary that is stored, indexed and scored.
 * A tag is `namespace:value`: `object:cup`, `color:red`, `text:unicef`,
 * `style:minimalist`. The namespace keeps an orange (fruit) apart from
 * orange (colour).
 */
export const TAG_NAMESPACES = ["object", ...ATTRIBUTE_KINDS, "style"] as const;
export type TagNamespace = (typeof TAG_NAMESPACES)[number];

const SPELLING: Record<string, string> = { grey: "gray", colour: "color" };

// Words whose trailing "s" is not a plural.
const NOT_PLURAL = new Set(["glass", "dress", "grass", "bus", "lens", "jeans", "shorts", "pants", "trousers", "scissors", "sunglasses", "glasses", "news", "chess", "canvas", "cactus", "tennis", "bonus", "atlas", "christmas"]);
const IRREGULAR: Record<string, string> = { people: "person", men: "man", women: "woman", children: "child", mice: "mouse", knives: "knife", leaves: "leaf", shelves: "shelf", feet: "foot", teeth: "tooth", geese: "goose" };

/** Singular where obvious; leaves anything doubtful alone. */
export function singularize(word: string): string {
  if (IRREGULAR[word]) return IRREGULAR[word];
  if (word.length <= 3 || NOT_PLURAL.has(word)) return word;
  if (/[^aeiou]ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (/(ss|us|is|os)$/.test(word)) return word;
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

/** Lower case, trimmed, single-spaced, US spelling, singular in its last word. */
export function normalizeTagValue(raw: string): string {
  const words = raw
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[_\s]+/g, " ")
    .replace(/[^\p{L}\p{N} &'-]/gu, "")
    .trim()
    .split(" ")
    .map((word) => word.replace(/^['&-]+|['&-]+$/g, ""))
    .filter(Boolean)
    .map((word) => SPELLING[word] ?? word);
  const last = words.pop();
  if (last === undefined) return "";
  return [...words, singularize(last)].join(" ");
}

export function tag(namespace: TagNamespace, rawValue: string): string | null {
  const value = normalizeTagValue(rawValue);
  return value ? `${namespace}:${value}` : null;
}

/** The stored tag list: normalised, de-duplicated and sorted, so equal features give equal lists. */
export function flattenTags(features: ImageFeatures): string[] {
  const tags = new Set<string>();
  const add = (value: string | null) => value && tags.add(value);
  for (const object of features.main_objects) {
    add(tag("object", object.object_type));
    for (const attribute of object.attributes) add(tag(attribute.kind, attribute.value));
  }
  for (const style of features.overall_style) add(tag("style", style.value));
  return [...tags].sort();
}

/** Every tag a free-text word could mean, in every namespace. */
export function tagsForWords(text: string): string[] {
  const words = new Set(
    text
      .split(/[^\p{L}\p{N}'-]+/u)
      .map(normalizeTagValue)
      .filter((word) => word.length > 0),
  );
  const tags: string[] = [];
  for (const word of words) for (const namespace of TAG_NAMESPACES) tags.push(`${namespace}:${word}`);
  return tags;
}
