import type { Attribute, AttributeKind, ImageFeatures, MainObject } from "../src/analysis/features.js";
import { tag, type TagNamespace } from "../src/analysis/tags.js";
import { ZipfPicker, type SeededRandom } from "./random.js";
import { COLOUR_NAMES, MATERIAL_NAMES, OBJECT_NAMES, PATTERN_NAMES, STYLE_NAMES, TEXT_WORDS } from "./tag-vocabulary.js";

type Pick = (random: SeededRandom) => string;

/** How each kind of tag value is drawn: by popularity (catalogue) or from the rare tail (queries). */
export interface TagPickers {
  object: Pick;
  colour: Pick;
  material: Pick;
  pattern: Pick;
  style: Pick;
  text: Pick;
}

const zipf = (words: readonly string[], exponent = 1): Pick => {
  const picker = new ZipfPicker(words, exponent);
  return (random) => picker.pick(random);
};

/** Uniform over the less common half of a list (its Zipf tail). */
const tail = (words: readonly string[]): Pick => {
  const rare = words.slice(Math.floor(words.length / 2));
  return (random) => random.pick(rare);
};

/** The catalogue's own distribution: what products carry, and what typical query photos carry. */
export const POPULAR_PICKERS: TagPickers = {
  object: zipf(OBJECT_NAMES),
  colour: zipf(COLOUR_NAMES),
  material: zipf(MATERIAL_NAMES),
  pattern: zipf(PATTERN_NAMES),
  style: zipf(STYLE_NAMES),
  text: zipf(TEXT_WORDS, 1.1),
};

export const RARE_PICKERS: TagPickers = {
  object: tail(OBJECT_NAMES),
  colour: tail(COLOUR_NAMES),
  material: tail(MATERIAL_NAMES),
  pattern: tail(PATTERN_NAMES),
  style: tail(STYLE_NAMES),
  text: tail(TEXT_WORDS),
};

/** How sure the tagger says it is about one tag; null means it did not say (counted as sure). */
export type ConfidencePick = (random: SeededRandom) => number | null;

/** Query photos: confidence 1 for every tag. Draws nothing, so the queries do not depend on it. */
export const UNSTATED_CONFIDENCE: ConfidencePick = () => null;

const TAGGER_SCORES = new ZipfPicker([1, 0.9, 0.75, 0.5, 0.3]);

/** Catalogue photos: mostly sure (1 or 0.9 for two thirds of the tags), with a tail of hesitant ones. */
export const TAGGER_CONFIDENCE: ConfidencePick = (random) => TAGGER_SCORES.pick(random);

/** 1 to 3, mostly 1 or 2: objects per photo, colours per object. */
const oneToThree = (random: SeededRandom): number => (random.chance(0.4) ? 1 : random.chance(0.65) ? 2 : 3);

/**
 * What a tagger might say about one product photo: 1-3 objects with 1-3
 * colours each, sometimes a material or pattern, often a style, sometimes
 * text read off the product. About 6-10 tags once flattened.
 */
export function syntheticFeatures(random: SeededRandom, pick: TagPickers, confidence: ConfidencePick = UNSTATED_CONFIDENCE): ImageFeatures {
  const objectCount = oneToThree(random);
  const main_objects = Array.from({ length: objectCount }, (_, index): MainObject => {
    const attributes: Attribute[] = [];
    const add = (kind: AttributeKind, value: string) => attributes.push({ kind, value, confidence: confidence(random), source: null });
    for (let i = oneToThree(random); i > 0; i--) add("color", pick.colour(random));
    if (random.chance(0.45)) add("material", pick.material(random));
    if (random.chance(0.15)) add("pattern", pick.pattern(random));
    // Text is read off the most prominent object only.
    if (index === 0 && random.chance(0.4)) for (let i = random.int(1, 3); i > 0; i--) add("text", pick.text(random));
    return { object_type: pick.object(random), confidence: confidence(random), source: null, box: null, attributes };
  });
  const styleCount = random.chance(0.85) ? (random.chance(0.35) ? 2 : 1) : 0;
  const overall_style = Array.from({ length: styleCount }, () => ({ value: pick.style(random), confidence: confidence(random), source: null }));
  return { main_objects, overall_style, caption: null };
}

/** Which word list feeds which tag namespace (as syntheticFeatures uses them). */
const WORDS_BY_NAMESPACE: ReadonlyArray<[TagNamespace, readonly string[]]> = [
  ["object", OBJECT_NAMES],
  ["color", COLOUR_NAMES],
  ["material", MATERIAL_NAMES],
  ["pattern", PATTERN_NAMES],
  ["text", TEXT_WORDS],
  ["style", STYLE_NAMES],
];

/** Every tag syntheticFeatures can yield, normalised as flattenTags does, each once, most common first per namespace. */
export function syntheticVocabulary(): string[] {
  const tags = WORDS_BY_NAMESPACE.flatMap(([namespace, words]) => words.map((word) => tag(namespace, word)));
  return [...new Set(tags.filter((value): value is string => value !== null))];
}
