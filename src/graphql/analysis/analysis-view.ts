import type { AnalysisEvent } from "../../analysis/progress.js";
import type { Analysis } from "../../catalog/analysis.entity.js";
import type { AnalysisProgressType, AnalysisType } from "./analysis.type.js";

/** Shapes stored analyses and bus events as their GraphQL types. */
export function analysisView(analysis: Analysis): AnalysisType {
  return {
    ...analysis,
    error: analysis.errorCode ? { code: analysis.errorCode, message: analysis.errorMessage ?? "" } : null,
    stages: analysis.stages.map((stage) => ({ ...stage, at: new Date(stage.at) })),
  };
}

export function progressView(event: AnalysisEvent): AnalysisProgressType {
  return { ...event, at: new Date(event.at) };
}
