import { randomUUID } from "node:crypto";
import { EntitySchema, type Ref } from "@mikro-orm/core";
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
  sha256!: string;
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
    sha256: { type: "text" },
    features: { type: "json", columnType: "jsonb", nullable: true },
    createdAt: { type: "Date", columnType: "timestamptz" },
  },
});
