import { workerData } from "node:worker_threads";
import { TaggerUnavailableError } from "../errors.js";
import type { ImageFeatures } from "../features.js";
import { liveTensorCount } from "./detector/centernet-detector.js";
import { analysePhoto, loadExperts, type PanelExperts, type PanelTimings } from "./panel.js";
import type { PanelStep, SkippedStep } from "./panel-steps.js";
import type { TextReaderLimits } from "./text/text-reader.js";
import { serveJobs } from "./workers/job-server.js";

/** What the tagger sends a panel thread, and what it gets back. */
export interface PanelWorkerData {
  /** null when OCR is switched off. */
  ocr: TextReaderLimits | null;
}
/** A photo to analyse into features, or only to embed (the embedder's jobs, whatever the tagger). */
export type PanelJob =
  | { kind: "analyse"; bytes: Uint8Array; maxPixels: number; skip: PanelStep[] }
  | { kind: "embed"; bytes: Uint8Array; maxPixels: number };

/** Sent while an analysis runs: each finished step, and the embedding as soon as it exists. */
export type PanelProgress = { step: PanelStep } | { vector: number[] };

export type PanelJobResult =
  | {
      kind: "analyse";
      features: ImageFeatures;
      /** The photo's embedding, computed alongside (the embedder reuses it). */
      vector: number[];
      timings: PanelTimings;
      /** Experts left out of this analysis, and why. */
      skipped: SkippedStep[];
      /** TensorFlow.js tensors alive in the thread after the job: flat unless something leaks. */
      liveTensors: number;
    }
  | { kind: "embed"; vector: number[]; liveTensors: number };

const { ocr } = workerData as PanelWorkerData;
let experts: Promise<PanelExperts> | undefined;

// Loaded once per thread; a failed load is tried again by the next job.
function loadedExperts(): Promise<PanelExperts> {
  experts ??= loadExperts({ ocr }).catch((error: unknown) => {
    experts = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TaggerUnavailableError(`The local tagger could not load its models: ${reason}`, {}, { cause: error });
  });
  return experts;
}

serveJobs<PanelJob, PanelJobResult, PanelProgress>({
  warmUp: async () => {
    await loadedExperts();
  },
  run: async (job, progress) => {
    const loaded = await loadedExperts();
    if (job.kind === "embed") {
      const vector = await loaded.embedder.embedEncoded(job.bytes, job.maxPixels);
      return { kind: "embed", vector, liveTensors: liveTensorCount() };
    }
    const { features, vector, timings, skipped } = await analysePhoto(job.bytes, loaded, {
      maxPixels: job.maxPixels,
      skip: job.skip,
      onStep: (step) => progress({ step }),
      onVector: (vector) => progress({ vector }),
    });
    return { kind: "analyse", features, vector, timings, skipped, liveTensors: liveTensorCount() };
  },
});
