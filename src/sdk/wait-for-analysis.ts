import type { LookalikeClient } from "./client.js";
import { ProductDocument, type ProductSummaryFragment } from "./generated/graphql.js";

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls a product until its photos are analysed (it has tags). Today
 * addProduct returns an analysed product, so this returns at once; it keeps
 * working when analysis moves to a background worker.
 */
export async function waitForAnalysis(client: LookalikeClient, productId: string, { timeoutMs = 60_000, intervalMs = 500 }: WaitOptions = {}): Promise<ProductSummaryFragment> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { product } = await client.request(ProductDocument, { id: productId });
    if (product.tags.length > 0) return product;
    if (Date.now() + intervalMs > deadline) throw new Error(`product ${productId} was not analysed within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
