import { randomUUID } from "node:crypto";
import { BigIntType, EntitySchema, type Ref } from "@mikro-orm/core";
import type { ImageFeatures } from "../analysis/features.js";
import { Product } from "./product.entity.js";

export class Photo {
  id: string = randomUUID();
  product!: Ref<Product>;
  storageKey!: string;
  mimeType!: string;
  width!: number;
  height!: number;
  byteSize!: number;
  /** Unique: the same file is never stored twice. */
  sha256!: string;
  /** 64-bit pHash (media/perceptual-hash.ts); null for photos stored before it existed. */
  perceptualHash: bigint | null = null;
  /** Null until the photo's analysis is done. */
  features: ImageFeatures | null = null;
  createdAt: Date = new Date();
}

export const photoSchema = new EntitySchema<Photo>({
  class: Photo,
  tableName: "photo",
  properties: {
    id: { type: "uuid", primary: true },
    product: { kind: "m:1", entity: () => Product, ref: true, deleteRule: "cascade" },
    storageKey: { type: "text", unique: "photo_storage_key_unique" },
    mimeType: { type: "text" },
    width: { type: "integer" },
    height: { type: "integer" },
    byteSize: { type: "integer" },
    sha256: { type: "text", unique: "photo_sha256_unique" },
    // Its four 16-bit bands are generated columns the database fills: only the near-duplicate SQL reads them.
    perceptualHash: { type: new BigIntType("bigint"), nullable: true },
    features: { type: "json", columnType: "jsonb", nullable: true },
    createdAt: { type: "Date", columnType: "timestamptz" },
  },
});
