import { MAX_CAPTION_LENGTH, type ImageFeatures, type MainObject } from "../features.js";
import { isPlaceholderObjectType } from "../tags.js";

// Short enough to read at a glance; the tags keep the rest.
const MAX_OBJECTS = 3;
const MAX_WORDS = 3;
const MAX_STYLES = 2;
const MAX_PHOTO_COLOURS = 2;

/**
 * One plain sentence from the panel's fused findings, e.g. "A red cup and a
 * white plate, with the text “nescafe”; minimalist style." Deterministic: the
 * same features give the same caption. Null when nothing was found.
 */
export function composeCaption(features: Omit<ImageFeatures, "caption">): string | null {
  // The photo's own colours ride on a placeholder object (see unidentified-object.ts): it is no noun.
  const photo = features.main_objects.find((object) => isPlaceholderObjectType(object.object_type));
  const identified = features.main_objects.filter((object) => !isPlaceholderObjectType(object.object_type));
  const objects = distinctBy(identified, (object) => object.object_type).slice(0, MAX_OBJECTS);
  const words = distinctBy(
    features.main_objects.flatMap((object) => object.attributes.filter((attribute) => attribute.kind === "text").map((attribute) => attribute.value)),
    (word) => word,
  ).slice(0, MAX_WORDS);
  const styles = distinctBy(features.overall_style.map((style) => style.value), (style) => style).slice(0, MAX_STYLES);
  const photoColours = photo ? coloursOf(photo).slice(0, MAX_PHOTO_COLOURS) : [];
  if (objects.length === 0 && words.length === 0 && photoColours.length === 0 && styles.length === 0) return null;

  let sentence = objects.length > 0 ? listOf(objects.map(nounPhrase)) : photoColours.length > 0 ? `a photo in ${listOf(photoColours)}` : "a photo";
  if (words.length > 0) sentence += `, with the ${words.length === 1 ? "text" : "words"} ${listOf(words.map((word) => `“${word}”`))}`;
  if (styles.length > 0) sentence += `; ${listOf(styles)} style`;
  return clip(`${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`);
}

/** "a red cup": the object with its most confident colour. */
function nounPhrase(object: MainObject): string {
  const phrase = [coloursOf(object)[0], object.object_type].filter(Boolean).join(" ");
  return `${/^[aeiou]/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

/** Colour names, most confident (for colours: largest share) first. */
function coloursOf(object: MainObject): string[] {
  return object.attributes
    .filter((attribute) => attribute.kind === "color")
    .sort((a, b) => (b.confidence ?? 0) - (a.confidence ?? 0))
    .map((attribute) => attribute.value);
}

function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function distinctBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && Boolean(seen.add(key(item))));
}

/** Long OCR words or labels could overrun the schema's limit: cut at a word and mark it. */
function clip(caption: string): string {
  if (caption.length <= MAX_CAPTION_LENGTH) return caption;
  const cut = caption.slice(0, MAX_CAPTION_LENGTH - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 1))}…`;
}
