import type { Attribute, BoundingBox, ImageFeatures, MainObject } from "../features.js";
import { normalizeTagValue } from "../tags.js";
import { composeCaption } from "./caption.js";
import type { RegionColours, WholeImageColours } from "./colour/colour-analyst.js";
import { styleFromPalette } from "./colour/palette-style.js";
import type { Detection } from "./detector/detections.js";
import { isKnownBrand } from "./text/brands.js";
import type { ReadWord } from "./text/text-reader.js";
import { UNIDENTIFIED_OBJECT_TYPE } from "./unidentified-object.js";

/** What the experts found in one photo. */
export interface PanelEvidence {
  detections: Detection[];
  /** Colours inside each detection's box, in the same order as `detections`. */
  detectionColours: RegionColours[];
  wholeImage: WholeImageColours;
  /** Empty when OCR is off. */
  words: ReadWord[];
}

// An object this large is the subject of the photo: the photo's colours and stray words are its own.
const SUBJECT_MIN_AREA = 0.3;
const MAX_OBJECTS = 16;
const MAX_ATTRIBUTES = 24;

export const SOURCES = { detector: "detector", colour: "colour", ocr: "ocr", fusion: "fusion" } as const;

export function fuseEvidence(evidence: PanelEvidence): ImageFeatures {
  const detected = evidence.detections
    .map((detection, index) => ({ detection, colours: evidence.detectionColours[index]?.named ?? [] }))
    .sort((a, b) => prominence(b.detection) - prominence(a.detection))
    .slice(0, MAX_OBJECTS - 1)
    .map(({ detection, colours }) => ({
      object: {
        object_type: normalizeTagValue(detection.label),
        confidence: round(detection.score, 2),
        source: SOURCES.detector,
        box: roundBox(detection.box),
        attributes: colours.map((colour) => colourAttribute(colour.name, colour.share)),
      } satisfies MainObject,
      area: detection.box.width * detection.box.height,
    }));

  const subject = detected.find((candidate) => candidate.area >= SUBJECT_MIN_AREA)?.object;
  const wholeImage: MainObject = subject ?? {
    object_type: UNIDENTIFIED_OBJECT_TYPE,
    confidence: null,
    source: SOURCES.fusion,
    box: null,
    attributes: [],
  };
  wholeImage.attributes.push(...evidence.wholeImage.named.map((colour) => colourAttribute(colour.name, colour.share)));

  const objects = detected.map((candidate) => candidate.object);
  for (const word of evidence.words) {
    const owner = smallestBoxAround(objects, centreOf(word.box)) ?? wholeImage;
    owner.attributes.push(...wordAttributes(word));
  }

  const mainObjects = subject || wholeImage.attributes.length === 0 ? objects : [...objects, wholeImage];
  const fused = {
    main_objects: mainObjects.map((object) => ({ ...object, attributes: distinctAttributes(object.attributes).slice(0, MAX_ATTRIBUTES) })),
    overall_style: styleFromPalette(evidence.wholeImage).map((style) => ({
      value: style.value,
      confidence: style.confidence,
      source: SOURCES.colour,
    })),
  };
  return { ...fused, caption: composeCaption(fused) };
}

/** Sure and large first: a confident small object comes after a confident large one. */
function prominence(detection: Detection): number {
  return detection.score * Math.sqrt(detection.box.width * detection.box.height);
}

function colourAttribute(name: string, share: number): Attribute {
  // For colours the confidence is the share of the region's pixels.
  return { kind: "color", value: name, confidence: round(share, 2), source: SOURCES.colour };
}

function wordAttributes(word: ReadWord): Attribute[] {
  const text: Attribute = { kind: "text", value: word.text, confidence: word.confidence, source: SOURCES.ocr };
  if (!isKnownBrand(word.text)) return [text];
  return [text, { kind: "brand", value: word.text, confidence: word.confidence, source: SOURCES.fusion }];
}

/** One attribute per kind and value, the most confident kept, first-seen order. */
function distinctAttributes(attributes: readonly Attribute[]): Attribute[] {
  const byKey = new Map<string, Attribute>();
  for (const attribute of attributes) {
    const key = `${attribute.kind}:${attribute.value}`;
    const seen = byKey.get(key);
    // Map.set on a known key keeps its place in the order.
    if (!seen || (attribute.confidence ?? 0) > (seen.confidence ?? 0)) byKey.set(key, attribute);
  }
  return [...byKey.values()];
}

function smallestBoxAround(objects: readonly MainObject[], point: { x: number; y: number }): MainObject | undefined {
  let best: MainObject | undefined;
  let bestArea = Number.POSITIVE_INFINITY;
  for (const object of objects) {
    const box = object.box;
    if (!box || point.x < box.x || point.x > box.x + box.width || point.y < box.y || point.y > box.y + box.height) continue;
    const area = box.width * box.height;
    if (area < bestArea) {
      best = object;
      bestArea = area;
    }
  }
  return best;
}

function centreOf(box: BoundingBox): { x: number; y: number } {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

function roundBox(box: BoundingBox): BoundingBox {
  return { x: round(box.x, 4), y: round(box.y, 4), width: round(box.width, 4), height: round(box.height, 4) };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
