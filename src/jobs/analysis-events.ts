import type { AnalysisEvent } from "../analysis/progress.js";
import type { Analysis } from "../catalog/analysis.entity.js";

/** Topics on the event bus. */
export const topics = {
  productAnalysis: (productId: string) => `analysis:${productId}`,
  queryAnalysis: (requestId: string) => `request:${requestId}`,
  productReady: "product-ready",
  productRemoved: "product-removed",
  /** Any committed write to the catalogue tables, published by trigger (migration catalogue_changed). */
  catalogueChanged: "catalogue-changed",
};

/** The event clients see for the current state of a product's analysis. */
export function eventOf(analysis: Analysis): AnalysisEvent {
  return {
    analysisId: analysis.id,
    productId: analysis.product.id,
    requestId: null,
    status: analysis.status,
    stage: analysis.stage,
    progress: analysis.progress,
    at: analysis.updatedAt.toISOString(),
    error: analysis.errorCode ? { code: analysis.errorCode, message: analysis.errorMessage ?? "" } : null,
  };
}
