import { z } from "zod";

/**
 * ImageFeatures: the one schema for what an image analysis yields.
 * The OpenAI provider sends it (as JSON Schema) to the model and reads the
 * reply into it (leniently: see lenient-features.ts), the local panel builds
 * it, the database stores it as JSONB and the GraphQL types are generated
 * from it. Do not define it twice.
 *
 * Optional facts are `nullable`, not `optional`: OpenAI's strict structured
 * output requires every property to be present.
 */

/** Longest caption kept; long enough for one sentence, short enough to index whole. */
export const MAX_CAPTION_LENGTH = 300;

/** The most objects, attributes per object and style words a features value holds. */
export const MAX_MAIN_OBJECTS = 16;
export const MAX_ATTRIBUTES = 24;
export const MAX_STYLES = 12;

export const ATTRIBUTE_KINDS = ["color", "material", "pattern", "text", "brand", "shape", "other"] as const;
export const attributeKindSchema = z.enum(ATTRIBUTE_KINDS).describe("What the attribute describes");
export type AttributeKind = z.infer<typeof attributeKindSchema>;

const confidence = z
  .number()
  .min(0)
  .max(1)
  .nullable()
  .describe("How sure the analyser is, from 0 to 1; null when unknown");

const source = z
  .string()
  .max(32)
  .nullable()
  .describe("Which analyser found this (for example detector, colour, ocr, llm); null when unknown");

export const attributeSchema = z
  .object({
    kind: attributeKindSchema,
    value: z.string().min(1).max(80).describe("A short value in lower case, for example red, wood, striped"),
    confidence,
    source,
  })
  .describe("One attribute of an object");

export const boundingBoxSchema = z
  .object({
    x: z.number().min(0).max(1).describe("Left edge, as a fraction of the image width"),
    y: z.number().min(0).max(1).describe("Top edge, as a fraction of the image height"),
    width: z.number().min(0).max(1),
    height: z.number().min(0).max(1),
  })
  .describe("Where the object is, in fractions of the image size");

export const mainObjectSchema = z
  .object({
    object_type: z.string().min(1).max(80).describe("What the object is, a common noun in the singular: cup, sofa, sneaker"),
    confidence,
    source,
    box: boundingBoxSchema.nullable(),
    attributes: z.array(attributeSchema).max(MAX_ATTRIBUTES),
  })
  .describe("One salient object in the image");

export const styleSchema = z
  .object({
    value: z.string().min(1).max(80).describe("A style word, for example minimalist, vintage, colorful"),
    confidence,
    source,
  })
  .describe("One word about the overall style of the image");

export const imageFeaturesSchema = z
  .object({
    main_objects: z.array(mainObjectSchema).max(MAX_MAIN_OBJECTS).describe("The salient objects, most prominent first"),
    overall_style: z.array(styleSchema).max(MAX_STYLES),
    // The default stays out of the JSON Schema (caption is still required there), but lets
    // features stored before captions existed, and self-hosted models that leave it out, parse.
    caption: z
      .string()
      .max(MAX_CAPTION_LENGTH)
      .nullable()
      .default(null)
      .describe("One plain sentence describing the product photo, for people and for full-text search; null when unknown"),
  })
  .describe("Structured tags describing a product photo");

export type Attribute = z.infer<typeof attributeSchema>;
export type MainObject = z.infer<typeof mainObjectSchema>;
export type StyleTag = z.infer<typeof styleSchema>;
export type BoundingBox = z.infer<typeof boundingBoxSchema>;
export type ImageFeatures = z.infer<typeof imageFeaturesSchema>;
