import { randomUUID } from "node:crypto";
import { EntitySchema } from "@mikro-orm/core";

export class Product {
  id: string = randomUUID();
  sourceUrl: string;
  /** Flattened, normalised tags of the product's photos: what similarity scores. */
  tags: string[] = [];
  /** One sentence from the analysis of its photos; null until one gives a caption. Full-text search reads it. */
  caption: string | null = null;
  /** The shop's own id for it (SKU); unique when given. */
  externalId: string | null = null;
  /** The shop's title; full-text search reads it. */
  title: string | null = null;
  /** Free-form details of the shop's (brand, size...): names to string values, bounded (product-details.ts). */
  attributes: Record<string, string> = {};
  createdAt: Date = new Date();

  constructor(sourceUrl: string) {
    this.sourceUrl = sourceUrl;
  }
}

// Declared as a schema rather than with decorators: the runtime (tsx, vitest)
// strips types without emitting decorator metadata.
export const productSchema = new EntitySchema<Product>({
  class: Product,
  tableName: "product",
  properties: {
    id: { type: "uuid", primary: true },
    sourceUrl: { type: "text", unique: "product_source_url_unique" },
    tags: { type: "string[]", columnType: "text[]" },
    caption: { type: "text", nullable: true },
    externalId: { type: "text", nullable: true, unique: "product_external_id_unique" },
    title: { type: "text", nullable: true },
    attributes: { type: "json", columnType: "jsonb" },
    createdAt: { type: "Date", columnType: "timestamptz" },
  },
});
