import type { ImageFeatures } from "./features.js";

/**
 * A validated image, as media intake checked it: its encoded bytes, read
 * through the storage port (taggers never see a path: the photo may live in
 * object storage on another machine).
 */
export interface ImageInput {
  bytes: Uint8Array;
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
  /** What other analysers found already, for a tagger that synthesises (the LLM over the local panel). */
  expertFindings?: ImageFeatures;
  /** Called when a synthesising tagger fell back to its experts' own result, with the reason. */
  onFallback?: (reason: string) => void;
  /**
   * For a tagger that waitsForWorker: called when a worker has begun this
   * analysis. The deadline counts from then, not while it waited its turn.
   */
  onStarted?: () => void;
  /** Optional steps to leave out (a retry after an analysis missed its deadline). */
  skipSteps?: readonly string[];
  /** Called for each step that was left out of this analysis, with why; the analysis still succeeds. */
  onStepSkipped?: (step: string, reason: string) => void;
}

export interface TaggerHealth {
  name: string;
  ready: boolean;
  detail?: string;
}

/** Turns an image into ImageFeatures. Knows nothing of GraphQL or the database. */
export interface Tagger {
  readonly name: string;
  /** False only for the stand-in used when no tagger is configured: work is then refused up front. */
  readonly configured: boolean;
  /** The steps reported through onStep, in order, so progress can be shown as a share. */
  readonly steps: readonly string[];
  /** The steps an analysis can be retried without when it misses its deadline (the local panel's OCR). */
  readonly optionalSteps?: readonly string[];
  /** True when analyze() may first wait for a free worker thread; it then calls onStarted. */
  readonly waitsForWorker?: boolean;
  analyze(image: ImageInput, options?: AnalyzeOptions): Promise<ImageFeatures>;
  health(): TaggerHealth;
  close(): Promise<void>;
}
