import type { EntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { analysisTimeBoundMs, analyzeWithDeadline } from "../analysis/analyze-with-deadline.js";
import { progressOf, STAGE, stepStage, type AnalysisStatus } from "../analysis/progress.js";
import type { Embedder } from "../analysis/embedding.js";
import type { ImageInput, Tagger } from "../analysis/tagger.js";
import type { EventBus } from "./event-bus.js";
import type { JobAttempt } from "./job-queue.js";
import { DomainError } from "../errors.js";
import type { PhotoStorage } from "../media/storage/photo-storage.js";
import { Analysis } from "../catalog/analysis.entity.js";
import { eventOf, topics } from "./analysis-events.js";
import { Photo } from "../catalog/photo.entity.js";
import { PhotoFeaturesRepository } from "../catalog/photo-features-repository.js";
import { VisualRepository } from "../search/visual-repository.js";

export interface AnalysisRunnerDependencies {
  createEntityManager: () => EntityManager;
  storage: PhotoStorage;
  tagger: Tagger;
  /** null when visual search is switched off. */
  embedder: Embedder | null;
  bus: EventBus;
  taggerTimeoutMs: number;
  logger: Logger;
  /** Told of every stage and outcome (for /metrics); the runner works the same without one. */
  observer?: AnalysisObserver;
}

/** What an analysis job reports as it goes, timed by the runner. */
export interface AnalysisObserver {
  /** `stage` was recorded, `seconds` after the stage before it (or after the job began). */
  stageReached(stage: string, seconds: number): void;
  /** The attempt ended: READY, FAILED for good, or failed and left to the queue to retry. */
  attemptFinished(outcome: "ready" | "failed" | "retry", seconds: number): void;
  /** The attempt failed with this error code (TAGGER_TIMEOUT, TAGGER_UPSTREAM_ERROR, ...). */
  failed(code: string): void;
}

/**
 * Runs one analysis job: tag and embed the stored photo, save its features,
 * tags and vector, and report every stage. Safe to run again for the same analysis (a retry,
 * or a job resumed after a crash): features and tags are overwritten, never
 * appended. Transient failures are thrown while retries remain, so the queue
 * retries them; anything else ends the analysis as FAILED.
 *
 * A retry after a TAGGER_TIMEOUT is not made on the same terms: it leaves out
 * the tagger's optional steps (the local panel's OCR, the expert a texture
 * can keep busy), and the READY analysis says so in its error, with the code
 * ANALYSIS_PARTIAL, as it does when an expert skipped a photo on its own.
 */
export class AnalysisRunner {
  constructor(private readonly deps: AnalysisRunnerDependencies) {}

  async run(analysisId: string, attempt: JobAttempt): Promise<void> {
    const em = this.deps.createEntityManager();
    const analysis = await em.findOne(Analysis, { id: analysisId }, { populate: ["photo"] });
    if (!analysis || analysis.status === "READY") return; // deleted meanwhile, or done by an earlier run
    const began = process.hrtime.bigint();
    const report = this.reporter(em, analysis, began);
    // The previous attempt's outcome, read before it is cleared: it sets this attempt's terms.
    const skipSteps = analysis.errorCode === TIMEOUT_CODE ? [...(this.deps.tagger.optionalSteps ?? [])] : [];
    const notes = skipSteps.map((step) => `${step} was left out: the previous attempt did not finish within the deadline`);
    analysis.attempts += 1;
    analysis.errorCode = null;
    analysis.errorMessage = null;
    try {
      const photo = analysis.photo.getEntity();
      // Read through the storage port: this worker may run on another machine than the API that stored it.
      const image = await this.imageOf(photo);
      await report("RUNNING", STAGE.decoded, progressOf(STAGE.decoded));
      const steps = this.deps.tagger.steps;
      let pending = Promise.resolve();
      // The vector is computed beside the tags (on the local panel's threads, whatever the tagger).
      const [features, embedding] = await Promise.all([
        analyzeWithDeadline(this.deps.tagger, image, this.deps.taggerTimeoutMs, {
          // Steps arrive as callbacks; their reports are chained so rows and events stay in order.
          onStep: (step) => {
            const index = steps.indexOf(step);
            pending = pending.then(() => report("RUNNING", stepStage(step), progressOf(step, { index, count: steps.length })));
          },
          onFallback: (reason) => void (analysis.fallbackReason = reason.slice(0, 500)),
          skipSteps,
          onStepSkipped: (_step, reason) => void notes.push(reason),
        }),
        // Bounded like the analysis beside it, which may first wait its turn for a panel thread.
        this.deps.embedder?.embed(image, { signal: AbortSignal.timeout(analysisTimeBoundMs(this.deps.taggerTimeoutMs)) }) ?? null,
      ]);
      await pending;
      await report("RUNNING", STAGE.synthesised, progressOf(STAGE.synthesised));
      // One transaction: features, tags, caption (and search document), vector.
      const embedder = this.deps.embedder;
      await new PhotoFeaturesRepository(em).saveFeatures(
        photo.id,
        features,
        embedder && embedding ? (tx) => new VisualRepository(tx, embedder.model).saveEmbedding(photo.id, photo.product.id, embedding) : undefined,
      );
      await report("RUNNING", STAGE.indexed, progressOf(STAGE.indexed));
      analysis.finishedAt = new Date();
      if (notes.length > 0) {
        // READY, but not everything was looked at: say what was left out, where clients look for problems.
        analysis.errorCode = PARTIAL_CODE;
        analysis.errorMessage = `Analysed without some experts: ${notes.join("; ")}.`.slice(0, 1000);
      }
      await report("READY", STAGE.ready, progressOf(STAGE.ready));
      this.deps.observer?.attemptFinished("ready", secondsSince(began));
      await this.deps.bus.publish(topics.productReady, { productId: analysis.product.id });
    } catch (error) {
      await this.recordFailure(analysis, error, attempt, report, began);
    }
  }

  private async imageOf(photo: Photo): Promise<ImageInput> {
    const { mimeType, width, height, sha256 } = photo;
    return { bytes: await this.deps.storage.readAll(photo.storageKey), mimeType, width, height, sha256 };
  }

  private async recordFailure(
    analysis: Analysis,
    error: unknown,
    attempt: JobAttempt,
    report: (status: AnalysisStatus, stage: string, progress: number) => Promise<void>,
    began: bigint,
  ): Promise<void> {
    const domain = error instanceof DomainError ? error : null;
    const willRetry = (domain?.transient ?? true) && attempt.retryCount < attempt.retryLimit;
    analysis.errorCode = domain?.code ?? "INTERNAL_SERVER_ERROR";
    this.deps.observer?.failed(analysis.errorCode);
    this.deps.observer?.attemptFinished(willRetry ? "retry" : "failed", secondsSince(began));
    analysis.errorMessage = domain?.message ?? "The analysis failed unexpectedly.";
    const optional = this.deps.tagger.optionalSteps ?? [];
    if (willRetry && domain?.code === TIMEOUT_CODE && optional.length > 0) analysis.errorMessage += ` The next attempt leaves out ${optional.join(", ")}.`;
    this.deps.logger[domain ? "warn" : "error"]({ err: error, analysisId: analysis.id, attempt: analysis.attempts, willRetry }, "analysis failed");
    if (willRetry) {
      await report("PENDING", analysis.stage, analysis.progress);
      throw error; // the queue retries it, with backoff
    }
    analysis.finishedAt = new Date();
    await report("FAILED", STAGE.failed, analysis.progress);
  }

  private reporter(em: EntityManager, analysis: Analysis, began: bigint) {
    let previous = began;
    return async (status: AnalysisStatus, stage: string, progress: number): Promise<void> => {
      // Stages of the work itself; a failure's report repeats the stage it failed in.
      if (status === "RUNNING" || status === "READY") {
        const at = process.hrtime.bigint();
        this.deps.observer?.stageReached(stage, Number(at - previous) / 1e9);
        previous = at;
      }
      const now = new Date();
      Object.assign(analysis, { status, stage, progress, updatedAt: now });
      if (analysis.stages.at(-1)?.stage !== stage) analysis.stages = [...analysis.stages, { stage, progress, at: now.toISOString() }];
      await em.flush();
      await this.deps.bus.publish(topics.productAnalysis(analysis.product.id), eventOf(analysis));
    };
  }
}

const secondsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

const TIMEOUT_CODE = "TAGGER_TIMEOUT";
/** A READY analysis that left an expert out (timed out, over its budget, or skipped for the photo's sake). */
const PARTIAL_CODE = "ANALYSIS_PARTIAL";
