import type { ImageFeatures } from "./features.js";

/** A validated image on local disk, as media intake leaves it. */
export interface ImageInput {
  path: string;
  mimeType: string;
  width: number;
  height: number;
  sha256: string;
}

export interface AnalyzeOptions {
  /** Aborts the analysis; the tagger rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Progress of the analysis, one call per finished step (for subscriptions). */
  onStep?: (step: string) => void;
}

export interface TaggerHealth {
  name: string;
  ready: boolean;
  detail?: string;
}

/** Turns an image into ImageFeatures. Knows nothing of GraphQL or the database. */
export interface Tagger {
  readonly name: string;
  analyze(image: ImageInput, options?: AnalyzeOptions): Promise<ImageFeatures>;
  health(): TaggerHealth;
  close(): Promise<void>;
}
