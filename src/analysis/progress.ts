/**
 * The stages an analysis goes through, in order, and the events that report
 * them. Tagger steps (detector, colour, ocr, llm...) sit between DECODED and
 * SYNTHESISED; their percentages are spread over that span.
 */
export type AnalysisStatus = "PENDING" | "RUNNING" | "READY" | "FAILED";

export const STAGE = {
  received: "RECEIVED",
  decoded: "DECODED",
  synthesised: "SYNTHESISED",
  indexed: "INDEXED",
  ready: "READY",
  failed: "FAILED",
} as const;

const PROGRESS = { RECEIVED: 0, DECODED: 10, SYNTHESISED: 85, INDEXED: 95, READY: 100 } as const;
const STEPS_FROM = 15;
const STEPS_TO = 80;

/** Percentage for a fixed stage, or for tagger step `index` (0-based) of `count`. */
export function progressOf(stage: string, step?: { index: number; count: number }): number {
  if (step) return Math.round(STEPS_FROM + ((step.index + 1) / Math.max(step.count, 1)) * (STEPS_TO - STEPS_FROM));
  return PROGRESS[stage as keyof typeof PROGRESS] ?? 0;
}

/** Tagger step names become stages such as STEP_DETECTOR. */
export function stepStage(step: string): string {
  return `STEP_${step.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
}

export interface StageRecord {
  stage: string;
  progress: number;
  at: string;
}

export interface AnalysisEvent {
  /** Set for product analyses. */
  analysisId: string | null;
  productId: string | null;
  /** Set for findSimilarProducts' query analyses, chosen by the client. */
  requestId: string | null;
  status: AnalysisStatus;
  stage: string;
  progress: number;
  at: string;
  error: { code: string; message: string } | null;
}

export const isFinal = (status: AnalysisStatus) => status === "READY" || status === "FAILED";
