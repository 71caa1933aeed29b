import type { LookalikeClient } from "./client.js";
import { AnalysisFailedError } from "./errors.js";
import { ProductDocument, type ProductSummaryFragment } from "./generated/graphql.js";

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls a product until its analysis is READY (returning the tagged product)
 * or FAILED (throwing AnalysisFailedError). For push instead of polling,
 * subscribe to AnalysisProgressDocument over graphql-ws.
 */
export async function waitForAnalysis(client: LookalikeClient, productId: string, { timeoutMs = 60_000, intervalMs = 500 }: WaitOptions = {}): Promise<ProductSummaryFragment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { product } = await client.request(ProductDocument, { id: productId });
    const analysis = product.analysis;
    if (analysis?.status === "READY") return product;
    if (analysis?.status === "FAILED") throw new AnalysisFailedError(productId, analysis.error?.code ?? "UNKNOWN", analysis.error?.message ?? "no reason given");
    if (!analysis && product.tags.length > 0) return product; // analysed before analyses were recorded
    if (Date.now() + intervalMs > deadline) throw new Error(`product ${productId} was not analysed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
