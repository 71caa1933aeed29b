import { Counter, Histogram, type Registry } from "prom-client";
import type { AnalysisObserver } from "../jobs/analysis-runner.js";
import { OPERATION_BUCKETS } from "./registry.js";
import { boundedCode } from "./labels.js";

/**
 * Analysis jobs as the runner reports them: how long each stage took (the
 * tagger's steps are the stages STEP_DETECTOR, STEP_OCR...), how each attempt
 * ended, and the error codes attempts failed with. Stage names and codes come
 * from our own code, not from clients, so their number is bounded.
 */
export function analysisMetrics(registry: Registry): AnalysisObserver {
  const stages = new Histogram({
    name: "lookalike_analysis_stage_duration_seconds",
    help: "Time an analysis job took to reach each stage from the stage before it (DECODED, STEP_*, SYNTHESISED, INDEXED, READY).",
    labelNames: ["stage"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  const attempts = new Histogram({
    name: "lookalike_analysis_duration_seconds",
    help: "Duration of analysis job attempts, by outcome: ready, failed (for good) or retry (failed, to be retried).",
    labelNames: ["outcome"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: "lookalike_tagger_errors_total",
    help: "Failed analysis attempts by error code (TAGGER_TIMEOUT, TAGGER_UPSTREAM_ERROR, ...).",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  return {
    stageReached: (stage, seconds) => stages.observe({ stage: boundedCode(stage) }, seconds),
    attemptFinished: (outcome, seconds) => attempts.observe({ outcome }, seconds),
    failed: (code) => errors.inc({ code: boundedCode(code) }),
  };
}
