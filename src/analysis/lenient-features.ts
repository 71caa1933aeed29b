import type { ZodType } from "zod";
import { inferAttributeKind } from "./attribute-vocabulary.js";
import {
  ATTRIBUTE_KINDS,
  attributeSchema,
  boundingBoxSchema,
  imageFeaturesSchema,
  mainObjectSchema,
  MAX_ATTRIBUTES,
  MAX_MAIN_OBJECTS,
  MAX_STYLES,
  styleSchema,
  type Attribute,
  type AttributeKind,
  type BoundingBox,
  type ImageFeatures,
  type MainObject,
  type StyleTag,
} from "./features.js";

/**
 * Reads a tagger's reply into ImageFeatures, leniently. We ask models for the
 * strict schema (features.ts), but models that do not enforce json_schema
 * (most self-hosted ones) answer in the looser "seed" shape:
 *
 *   { "main_objects": [{ "object_type": "cup", "attributes": ["red", "ceramic"] }],
 *     "overall_style": ["minimalist"] }
 *
 * The strict shape reads unchanged. Besides it, this reader takes:
 * - a missing confidence, source or box as unknown (null), a missing caption as none;
 * - attributes as strings, whose kind comes from our vocabularies (see
 *   attribute-vocabulary.ts), from a "kind: value" prefix ("color: red"), or is
 *   text when quoted (“sale”); or as a map from kind to value(s)
 *   ({ "color": ["red", "white"] }); an unknown kind is inferred from the value;
 * - an object as a bare string ("cup"), or with its type under type, name or label;
 * - style words as strings, or as one comma-separated string;
 * - confidences as numeric strings ("0.8") or percentages ("80%", as a string);
 * - blank attribute and style words are dropped, and lists longer than the
 *   schema allows are cut to its maximum (the first, most prominent, kept);
 * - a box it cannot read as fractions of the image is dropped (no tag comes from it).
 *
 * What it still cannot read (no main_objects list, an object without a type, a
 * confidence of 7, a caption over the limit, a value too long) fails with the
 * path of the offending field in the reply. The result always passes the
 * strict schema.
 */

export type FeaturesReading = { success: true; data: ImageFeatures } | { success: false; path: string; message: string };

type Path = ReadonlyArray<string | number>;

class Unreadable extends Error {
  constructor(
    readonly path: Path,
    message: string,
  ) {
    super(message);
  }
}

export function readFeaturesLeniently(reply: unknown): FeaturesReading {
  try {
    // A safety net: what the reader builds must be the strict shape.
    const checked = imageFeaturesSchema.safeParse(readFeatures(reply));
    if (checked.success) return { success: true, data: checked.data };
    const issue = checked.error.issues[0];
    return { success: false, path: joinPath(issue?.path ?? []), message: issue?.message ?? "invalid" };
  } catch (error) {
    if (error instanceof Unreadable) return { success: false, path: joinPath(error.path), message: error.message };
    throw error;
  }
}

function readFeatures(reply: unknown): ImageFeatures {
  if (!isRecord(reply)) throw new Unreadable([], "expected an object");
  const mainObjects = reply.main_objects;
  if (mainObjects === undefined || mainObjects === null) throw new Unreadable(["main_objects"], "expected an array");
  return {
    main_objects: readList(mainObjects, ["main_objects"], MAX_MAIN_OBJECTS, readMainObject),
    overall_style: readStyles(reply.overall_style, ["overall_style"]),
    caption: readCaption(reply.caption, ["caption"]),
  };
}

/** Reads items in order until `max` are kept; items past that are not read at all. */
function readList<T>(raw: unknown, path: Path, max: number, readItem: (item: unknown, path: Path) => T | null): T[] {
  if (!Array.isArray(raw)) throw new Unreadable(path, "expected an array");
  const kept: T[] = [];
  for (const [index, item] of raw.entries()) {
    if (kept.length >= max) break;
    const read = readItem(item, [...path, index]);
    if (read !== null) kept.push(read);
  }
  return kept;
}

const OBJECT_TYPE_KEYS = ["object_type", "type", "name", "label"] as const;

function readMainObject(raw: unknown, path: Path): MainObject {
  if (typeof raw === "string") {
    return { object_type: readText(raw, path, mainObjectSchema.shape.object_type), confidence: null, source: null, box: null, attributes: [] };
  }
  if (!isRecord(raw)) throw new Unreadable(path, "expected an object");
  const typeKey = OBJECT_TYPE_KEYS.find((key) => raw[key] !== undefined && raw[key] !== null) ?? "object_type";
  return {
    object_type: readText(raw[typeKey], [...path, typeKey], mainObjectSchema.shape.object_type),
    confidence: readConfidence(raw.confidence, [...path, "confidence"]),
    source: readSource(raw.source),
    box: readBox(raw.box),
    attributes: readAttributes(raw.attributes, [...path, "attributes"]),
  };
}

function readAttributes(raw: unknown, path: Path): Attribute[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return readList(raw, path, MAX_ATTRIBUTES, readAttribute);
  if (typeof raw === "string") return readList(raw.split(","), path, MAX_ATTRIBUTES, (item) => readAttribute(item, path)); // "red, ceramic"
  if (!isRecord(raw)) throw new Unreadable(path, "expected an array");
  // { "color": ["red", "white"], "material": "ceramic" }
  const attributes: Attribute[] = [];
  for (const [key, values] of Object.entries(raw)) {
    const kind = kindNamed(key);
    const list = Array.isArray(values) ? values : [values];
    for (const [index, value] of list.entries()) {
      if (attributes.length >= MAX_ATTRIBUTES) return attributes;
      const itemPath = Array.isArray(values) ? [...path, key, index] : [...path, key];
      const read = readAttribute(typeof value === "string" ? { kind, value } : isRecord(value) ? { kind, ...value } : value, itemPath);
      if (read) attributes.push(read);
    }
  }
  return attributes;
}

function readAttribute(raw: unknown, path: Path): Attribute | null {
  if (typeof raw === "string") return attributeFromWord(raw, path);
  if (!isRecord(raw)) throw new Unreadable(path, "expected a string or an object");
  const valueKey = raw.value !== undefined ? "value" : raw.name !== undefined ? "name" : "value";
  const rawValue = typeof raw[valueKey] === "number" ? String(raw[valueKey]) : raw[valueKey];
  if (typeof rawValue === "string" && rawValue.trim() === "") return null;
  const value = readText(rawValue, [...path, valueKey], attributeSchema.shape.value);
  const rawKind = raw.kind ?? raw.type;
  return {
    kind: (typeof rawKind === "string" ? kindNamed(rawKind) : null) ?? inferAttributeKind(value),
    value,
    confidence: readConfidence(raw.confidence, [...path, "confidence"]),
    source: readSource(raw.source),
  };
}

const QUOTED = /^["“”'‘’«](.+)["“”'’‘»]$/s;
const KIND_PREFIX = /^([a-z]+)\s*:\s*(.+)$/is;

/** "red" -> color, "color: red" -> color, "“sale”" -> text; blank -> null. */
function attributeFromWord(raw: string, path: Path): Attribute | null {
  let word = raw.trim();
  if (!word) return null;
  let kind: AttributeKind | null = null;
  const prefixed = KIND_PREFIX.exec(word);
  const prefixKind = prefixed?.[1] ? kindNamed(prefixed[1]) : null;
  if (prefixed?.[2] && prefixKind) [kind, word] = [prefixKind, prefixed[2].trim()];
  const quoted = QUOTED.exec(word);
  if (quoted?.[1]?.trim()) [kind, word] = [kind ?? "text", quoted[1].trim()];
  const value = readText(word, path, attributeSchema.shape.value);
  return { kind: kind ?? inferAttributeKind(value), value, confidence: null, source: null };
}

const KIND_ALIASES: Readonly<Record<string, AttributeKind>> = { colour: "color", colours: "color", colors: "color", word: "text", words: "text" };

/** One of our attribute kinds, by its name or a plural or British spelling of it; null for any other word. */
function kindNamed(raw: string): AttributeKind | null {
  const name = raw.trim().toLowerCase();
  const singular = name.endsWith("s") ? name.slice(0, -1) : name;
  for (const candidate of [name, singular]) {
    if ((ATTRIBUTE_KINDS as readonly string[]).includes(candidate)) return candidate as AttributeKind;
    if (KIND_ALIASES[candidate]) return KIND_ALIASES[candidate];
  }
  return null;
}

function readStyles(raw: unknown, path: Path): StyleTag[] {
  if (raw === undefined || raw === null) return [];
  // "minimalist, modern"
  const list = typeof raw === "string" ? raw.split(",") : raw;
  return readList(list, path, MAX_STYLES, (item, itemPath) => {
    const itemPathOf = typeof raw === "string" ? path : itemPath;
    if (typeof item === "string") {
      return item.trim() ? { value: readText(item, itemPathOf, styleSchema.shape.value), confidence: null, source: null } : null;
    }
    if (!isRecord(item)) throw new Unreadable(itemPathOf, "expected a string or an object");
    const valueKey = item.value !== undefined ? "value" : item.style !== undefined ? "style" : item.name !== undefined ? "name" : "value";
    if (typeof item[valueKey] === "string" && item[valueKey].trim() === "") return null;
    return {
      value: readText(item[valueKey], [...itemPathOf, valueKey], styleSchema.shape.value),
      confidence: readConfidence(item.confidence, [...itemPathOf, "confidence"]),
      source: readSource(item.source),
    };
  });
}

function readCaption(raw: unknown, path: Path): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string") throw new Unreadable(path, "expected a string");
  if (!raw.trim()) return null;
  return readText(raw, path, imageFeaturesSchema.shape.caption.unwrap().unwrap());
}

/** A trimmed string that passes the schema's own rule for that field. */
function readText(raw: unknown, path: Path, schema: ZodType<string>): string {
  if (typeof raw !== "string") throw new Unreadable(path, "expected a string");
  const parsed = schema.safeParse(raw.trim());
  if (!parsed.success) throw new Unreadable(path, parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const PERCENT = /^(\d+(?:\.\d*)?|\.\d+)\s*%$/;

/**
 * A number from 0 to 1, or null when not given. A numeric string is read as
 * its number and "85%" as 0.85. A bare number over 1 is not guessed at (a
 * percentage? a score out of 10?): it fails, like any other unreadable value.
 */
function readConfidence(raw: unknown, path: Path): number | null {
  if (raw === undefined || raw === null) return null;
  let value: number | null = typeof raw === "number" ? raw : null;
  if (typeof raw === "string") {
    const text = raw.trim();
    if (!text) return null;
    const percent = PERCENT.exec(text)?.[1];
    value = percent !== undefined ? Number(percent) / 100 : DECIMAL.test(text) ? Number(text) : null;
  }
  if (value === null || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new Unreadable(path, "expected a number from 0 to 1 (or null when unknown)");
  }
  return value;
}

const MAX_SOURCE_LENGTH = mainObjectSchema.shape.source.unwrap().maxLength ?? undefined;

/** Who found a fact is only provenance: anything but a usable string is unknown. */
function readSource(raw: unknown): string | null {
  if (typeof raw !== "string" || !raw.trim()) return null;
  return raw.trim().slice(0, MAX_SOURCE_LENGTH);
}

/** The box is a hint for people and no tag comes from it: one we cannot read as fractions is unknown. */
function readBox(raw: unknown): BoundingBox | null {
  const parsed = boundingBoxSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function joinPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join(".");
}
