import { OPTIONAL_PANEL_STEPS, PANEL_STEPS } from "./panel-steps.js";
import type { Embedder } from "../embedding.js";
import { TaggerInvalidResponseError, TaggerUnavailableError } from "../errors.js";
import { imageFeaturesSchema, type ImageFeatures } from "../features.js";
import type { AnalyzeOptions, ImageInput, Tagger, TaggerHealth } from "../tagger.js";
import { BACKBONE_EMBEDDING } from "./embedding/backbone-embedder.js";
import { ImageAnalysisFailedError, LocalTaggerFailedError } from "./errors.js";
import { spawnPanelThread } from "./panel-thread.js";
import type { PanelJob, PanelJobResult, PanelProgress } from "./panel-worker.js";
import type { SerializedError } from "./workers/job-protocol.js";
import { WorkerPool } from "./workers/worker-pool.js";

/** The slice of a pino logger the tagger uses. */
export interface LocalPanelLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface LocalPanelTaggerOptions {
  /** Worker threads, each with its own copy of the models (roughly 250-350 MB of memory each). */
  workers: number;
  /** Load the models at start (health is not ready until then) rather than on the first analysis. */
  preload: boolean;
  ocr: boolean;
  /** OCR's share of one analysis: past it the photo is tagged without its text. */
  ocrBudgetMs?: number | undefined;
  /** OCR skips photos whose layout pass finds more candidate text regions than this (textures). */
  ocrMaxRegions?: number | undefined;
  logger?: LocalPanelLogger | undefined;
  /** Decoding refuses images with more pixels; media intake has usually refused them already. */
  maxImagePixels?: number | undefined;
}

export interface LocalPanelStats {
  analysesDone: number;
  /** TensorFlow.js tensors alive in the thread that ran the last analysis, after it. */
  liveTensorsAfterLastAnalysis: number | null;
  replacedWorkers: number;
  /** Threads terminated mid-analysis because it was aborted or passed its deadline. */
  stoppedWorkers: number;
}

/** The local tagger, with a debug view for tests and diagnostics. */
export interface LocalPanelTagger extends Tagger {
  stats(): LocalPanelStats;
}

/** One set of panel threads, serving both the local tagger and the embedder. */
export interface LocalPanel {
  tagger: LocalPanelTagger;
  embedder: Embedder;
  close(): Promise<void>;
}

const TAGGER_NAME = "local";
const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;
export const DEFAULT_OCR_BUDGET_MS = 10_000;
export const DEFAULT_OCR_MAX_REGIONS = 60;

/** The local tagger alone (its panel's embedder unused). */
export function createLocalPanelTagger(options: LocalPanelTaggerOptions): LocalPanelTagger {
  return createLocalPanel(options).tagger;
}

/**
 * The offline "panel of experts": an object detector, a colour analyst and a
 * text reader run side by side on each photo in worker threads, and their
 * findings are fused into ImageFeatures. The same threads embed photos with
 * the detector's backbone, for whichever tagger. Nothing leaves the machine.
 */
export function createLocalPanel(options: LocalPanelTaggerOptions): LocalPanel {
  const { logger } = options;
  const maxPixels = options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const ocr = options.ocr
    ? { budgetMs: options.ocrBudgetMs ?? DEFAULT_OCR_BUDGET_MS, maxRegions: options.ocrMaxRegions ?? DEFAULT_OCR_MAX_REGIONS }
    : null;
  const pool = new WorkerPool<PanelJob, PanelJobResult, PanelProgress>({
    size: options.workers,
    spawn: () => spawnPanelThread({ ocr }),
    warmUp: options.preload,
    reviveError: (error) => reviveError(error, logger),
    // The pool logs what killed the thread; the caller gets no internals.
    crashError: () => new LocalTaggerFailedError("A local tagger worker died during the analysis; a new one has taken its place."),
    unavailableError: (reason) => new TaggerUnavailableError(`The local tagger is unavailable: ${reason}`),
    logger,
  });
  const counters: Omit<LocalPanelStats, "replacedWorkers" | "stoppedWorkers"> = { analysesDone: 0, liveTensorsAfterLastAnalysis: null };

  // An analysis embeds its photo too: an embed() of a photo being analysed waits for that vector,
  // which the thread sends as soon as it has it (before OCR is done, so a deadline missed in OCR keeps it).
  const vectorsInFlight = new Map<string, Promise<number[]>>();

  async function analyze(image: ImageInput, analyzeOptions: AnalyzeOptions = {}): Promise<ImageFeatures> {
    const skip = OPTIONAL_PANEL_STEPS.filter((step) => analyzeOptions.skipSteps?.includes(step));
    let sendVector: (vector: number[]) => void = () => {};
    const vector = new Promise<number[]>((resolve) => (sendVector = resolve));
    const running = pool.run(
      { kind: "analyse", bytes: image.bytes, maxPixels, skip },
      {
        signal: analyzeOptions.signal,
        onStart: () => analyzeOptions.onStarted?.(),
        onProgress: (progress) => ("step" in progress ? analyzeOptions.onStep?.(progress.step) : sendVector(progress.vector)),
      },
    );
    // Settles with the vector, or with the analysis's failure if that comes first.
    const vectorOrFailure = Promise.race([vector, running.then((result) => (result.kind === "analyse" ? result.vector : Promise.reject(new Error("not an analysis"))))]);
    vectorOrFailure.catch(() => {}); // an embed() that waits on it sees the failure; nobody else must
    vectorsInFlight.set(image.sha256, vectorOrFailure);
    void running.finally(() => vectorsInFlight.get(image.sha256) === vectorOrFailure && vectorsInFlight.delete(image.sha256)).catch(() => {});
    const result = await running;
    if (result.kind !== "analyse") throw new LocalTaggerFailedError("A panel thread answered an analysis with another kind of result.");
    for (const { step, reason } of result.skipped) analyzeOptions.onStepSkipped?.(step, reason);
    if (result.skipped.length > 0) logger?.info({ sha256: image.sha256, skipped: result.skipped }, "local tagger left experts out of an analysis");
    counters.analysesDone++;
    counters.liveTensorsAfterLastAnalysis = result.liveTensors;
    logger?.info({ sha256: image.sha256, timingsMs: roundTimings(result.timings) }, "local tagger analysed an image");
    const checked = imageFeaturesSchema.safeParse(result.features);
    if (!checked.success) {
      throw new TaggerInvalidResponseError("The local tagger built features that do not match the schema.", {
        path: checked.error.issues[0]?.path.join("."),
      });
    }
    return checked.data;
  }

  function health(): TaggerHealth {
    const state = pool.health();
    if (state.brokenReason) return { name: TAGGER_NAME, ready: false, detail: state.brokenReason };
    if (state.warmUpError) return { name: TAGGER_NAME, ready: false, detail: `models failed to load: ${state.warmUpError}` };
    const loaded = `models loaded in ${state.warm} of ${state.size} workers`;
    if (!options.preload) return { name: TAGGER_NAME, ready: true, detail: `lazy: models load on first use; ${loaded}` };
    return { name: TAGGER_NAME, ready: state.warm === state.size, detail: loaded };
  }

  const close = () => pool.close();
  const tagger: LocalPanelTagger = {
    name: TAGGER_NAME,
    configured: true,
    steps: PANEL_STEPS.filter((step) => step !== "ocr" || options.ocr),
    optionalSteps: OPTIONAL_PANEL_STEPS.filter((step) => step !== "ocr" || options.ocr),
    waitsForWorker: true,
    analyze,
    health,
    close,
    stats: () => ({ ...counters, replacedWorkers: pool.health().replacedWorkers, stoppedWorkers: pool.health().stoppedWorkers }),
  };
  const embedder: Embedder = {
    model: BACKBONE_EMBEDDING,
    async embed(image, embedOptions = {}) {
      const analysing = vectorsInFlight.get(image.sha256);
      if (analysing) return { model: BACKBONE_EMBEDDING.id, vector: await analysing };
      const result = await pool.run({ kind: "embed", bytes: image.bytes, maxPixels }, { signal: embedOptions.signal });
      if (result.kind !== "embed") throw new LocalTaggerFailedError("A panel thread answered an embedding with another kind of result.");
      return { model: BACKBONE_EMBEDDING.id, vector: result.vector };
    },
    health: () => ({ ...health(), name: `${TAGGER_NAME}:${BACKBONE_EMBEDDING.id}` }),
    close,
  };
  return { tagger, embedder, close };
}

/**
 * Errors come back from a thread as data. An image error becomes its typed
 * error again; anything else is logged in full and reported without internals
 * (its message may hold file paths), since error messages reach clients.
 */
function reviveError(error: SerializedError, logger: LocalPanelLogger | undefined): Error {
  if (error.code === "IMAGE_ANALYSIS_FAILED") return new ImageAnalysisFailedError(error.message, error.details ?? {});
  logger?.warn({ err: error }, "the local tagger failed");
  if (error.code === "TAGGER_UNAVAILABLE") return new TaggerUnavailableError("The local tagger could not load its models.");
  return new LocalTaggerFailedError("The local tagger failed unexpectedly.");
}

function roundTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([step, ms]) => [step, Math.round(ms)]));
}
