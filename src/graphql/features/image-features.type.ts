import type { z } from "zod";
import {
  attributeKindSchema,
  attributeSchema,
  boundingBoxSchema,
  imageFeaturesSchema,
  mainObjectSchema,
  styleSchema,
} from "../../analysis/features.js";
import { buildObjectTypes } from "./zod-object-types.js";

const types = buildObjectTypes(
  new Map<z.ZodType, string>([
    [imageFeaturesSchema, "ImageFeatures"],
    [mainObjectSchema, "DetectedObject"],
    [attributeSchema, "ObjectAttribute"],
    [attributeKindSchema, "AttributeKind"],
    [boundingBoxSchema, "BoundingBox"],
    [styleSchema, "StyleTag"],
  ]),
);

/** The GraphQL type of ImageFeatures, generated from the zod schema. */
export const ImageFeaturesType = types.get(imageFeaturesSchema)!;
