import { ATTRIBUTE_KINDS, type ImageFeatures } from "./features.js";
import { OBJECT_SYNONYMS } from "./synonyms.js";

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
  const normalized = normalizeTagValue(rawValue);
  const value = namespace === "object" ? (OBJECT_SYNONYMS[normalized] ?? normalized) : normalized;
  return value ? `${namespace}:${value}` : null;
}

/**
 * Object types that say only that something is there: the local panel's
 * "unidentified object" (see local/unidentified-object.ts), which holds the
 * photo's own colours and words, and what other taggers say instead ("unknown
 * object", "object"). A tag every photo could carry matches everything and
 * tells no two products apart, so these stay in the features but give no
 * object tag; their attributes still give tags (color:red, text:sale).
 * Written as normalised tag values.
 */
const PLACEHOLDER_OBJECT_TYPES: ReadonlySet<string> = new Set([
  "unidentified object",
  "unidentified",
  "unknown object",
  "unknown",
  "unrecognized object",
  "object",
  "thing",
  "item",
]);

/** True for an object type that names no kind of object ("unidentified object", "unknown", "object"). */
export function isPlaceholderObjectType(objectType: string): boolean {
  return PLACEHOLDER_OBJECT_TYPES.has(normalizeTagValue(objectType));
}

export interface TagEvidence {
  tag: string;
  /** How sure the tagger was, 0 to 1; unknown counts as sure (see UNKNOWN_CONFIDENCE), and faint evidence is floored. */
  confidence: number;
}

const MIN_CONFIDENCE = 0.2;
/**
 * The confidence of a fact the tagger gave none for: taggers that cannot
 * judge it (an LLM told to answer null then), or never report it (replies in
 * the seed shape, see lenient-features.ts). It counts as sure, as tags stored
 * before confidences existed do. A smaller constant would not reorder a
 * catalogue tagged that way (every tag scaled alike) but would cap its scores:
 * the very same photo would score that constant instead of 1, and minScore
 * would mean something else for each tagger. The local panel reports its
 * confidences; its only unknown one was the placeholder object, which gives
 * no tag (see PLACEHOLDER_OBJECT_TYPES).
 */
const UNKNOWN_CONFIDENCE = 1;
const confidenceOf = (value: number | null) => (value === null ? UNKNOWN_CONFIDENCE : Math.min(1, Math.max(MIN_CONFIDENCE, value)));

/** Every tag of the features once, with the highest confidence any occurrence had; sorted by tag. */
export function tagEvidence(features: ImageFeatures): TagEvidence[] {
  const best = new Map<string, number>();
  const add = (value: string | null, confidence: number | null) => {
    if (value) best.set(value, Math.max(best.get(value) ?? 0, confidenceOf(confidence)));
  };
  for (const object of features.main_objects) {
    if (!isPlaceholderObjectType(object.object_type)) add(tag("object", object.object_type), object.confidence);
    for (const attribute of object.attributes) add(tag(attribute.kind, attribute.value), attribute.confidence);
  }
  for (const style of features.overall_style) add(tag("style", style.value), style.confidence);
  return [...best].map(([tagName, confidence]) => ({ tag: tagName, confidence })).sort((a, b) => (a.tag < b.tag ? -1 : 1));
}

/** The stored tag list: normalised, de-duplicated and sorted, so equal features give equal lists. */
export function flattenTags(features: ImageFeatures): string[] {
  return tagEvidence(features).map((evidence) => evidence.tag);
}

/** The namespace of a tag (`object` of `object:cup`). */
export function namespaceOf(tagName: string): TagNamespace {
  return tagName.slice(0, tagName.indexOf(":")) as TagNamespace;
}

const STOP_WORDS = new Set(
  "a an and any are as at be by for from has have i in is it its like looking me my of on or show some something that the their this to want with".split(" "),
);

/** The words of a free-text query, normalised, without stop-words. */
export function queryWords(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}'-]+/u)
    .map(normalizeTagValue)
    .filter((word) => word.length > 0 && !STOP_WORDS.has(word));
}

/**
 * What a free-text query may mean, phrase by phrase: every run of one to
 * three words, in every namespace ("coffee cup" is object:cup by synonym).
 */
export function phraseTags(words: readonly string[]): string[][] {
  const phrases: string[][] = [];
  for (let length = 1; length <= 3; length += 1) {
    for (let start = 0; start + length <= words.length; start += 1) {
      const phrase = words.slice(start, start + length).join(" ");
      phrases.push(TAG_NAMESPACES.map((namespace) => tag(namespace, phrase)).filter((value): value is string => value !== null));
    }
  }
  return phrases;
}
