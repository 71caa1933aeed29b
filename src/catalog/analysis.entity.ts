import { randomUUID } from "node:crypto";
import { EntitySchema, type Ref } from "@mikro-orm/core";
import type { AnalysisStatus, StageRecord } from "../analysis/progress.js";
import { Photo } from "./photo.entity.js";
import { Product } from "./product.entity.js";

/** The analysis of one photo: a durable job's status, stage and progress, as clients see it. */
export class Analysis {
  id: string = randomUUID();
  product!: Ref<Product>;
  photo!: Ref<Photo>;
  status: AnalysisStatus = "PENDING";
  stage = "RECEIVED";
  progress = 0;
  stages: StageRecord[] = [];
  attempts = 0;
  errorCode: string | null = null;
  errorMessage: string | null = null;
  /** Set when a synthesising tagger kept its experts' result because the LLM failed. */
  fallbackReason: string | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
  finishedAt: Date | null = null;
}

export const analysisSchema = new EntitySchema<Analysis>({
  class: Analysis,
  tableName: "analysis",
  properties: {
    id: { type: "uuid", primary: true },
    product: { kind: "m:1", entity: () => Product, ref: true, deleteRule: "cascade" },
    photo: { kind: "m:1", entity: () => Photo, ref: true, deleteRule: "cascade", unique: "analysis_photo_unique" },
    status: { type: "text" },
    stage: { type: "text" },
    progress: { type: "integer" },
    stages: { type: "json", columnType: "jsonb" },
    attempts: { type: "integer" },
    errorCode: { type: "text", nullable: true },
    errorMessage: { type: "text", nullable: true },
    fallbackReason: { type: "text", nullable: true },
    createdAt: { type: "Date", columnType: "timestamptz" },
    updatedAt: { type: "Date", columnType: "timestamptz" },
    finishedAt: { type: "Date", columnType: "timestamptz", nullable: true },
  },
});
