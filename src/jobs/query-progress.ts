import { progressOf, stepStage, type AnalysisEvent, type AnalysisStatus } from "../analysis/progress.js";
import type { EventBus } from "./event-bus.js";
import { DomainError } from "../errors.js";
import { topics } from "./analysis-events.js";

/** Progress of a findSimilarProducts query image, published only when the client gave a requestId. */
export class QueryProgress {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: EventBus,
    private readonly requestId: string | null,
    private readonly steps: readonly string[],
  ) {}

  report(status: AnalysisStatus, stage: string, progress = progressOf(stage), error: AnalysisEvent["error"] = null): Promise<void> {
    const { requestId } = this;
    if (!requestId) return Promise.resolve();
    const event: AnalysisEvent = { analysisId: null, productId: null, requestId, status, stage, progress, at: new Date().toISOString(), error };
    // Chained, so events go out in order; a lost event must not fail the query.
    this.chain = this.chain.then(() => this.bus.publish(topics.queryAnalysis(requestId), event)).catch(() => {});
    return this.chain;
  }

  step(step: string): Promise<void> {
    const index = this.steps.indexOf(step);
    return this.report("RUNNING", stepStage(step), progressOf(step, { index, count: this.steps.length }));
  }

  fail(error: unknown): Promise<void> {
    const code = error instanceof DomainError ? error.code : "INTERNAL_SERVER_ERROR";
    const message = error instanceof DomainError ? error.message : "The analysis failed.";
    return this.report("FAILED", "FAILED", 100, { code, message });
  }
}
