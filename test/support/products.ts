import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { GraphQLClient, UploadPart } from "./graphql-client.js";

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id analysis { status } } }`;

const ANALYSIS = /* GraphQL */ `
  query ($id: ID!) { product(id: $id) { id tags analysis { status stage progress attempts error { code message } } } }`;

export interface AnalysedProduct {
  id: string;
  tags: string[];
  analysis: { status: string; stage: string; progress: number; attempts: number; error: { code: string; message: string } | null };
}

/** Polls a product until its analysis is READY or FAILED. */
export async function waitForAnalysis(client: GraphQLClient, id: string, timeoutMs = 60_000): Promise<AnalysedProduct> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data, errors } = await client.query<{ product: AnalysedProduct }>(ANALYSIS, { id });
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const product = data!.product;
    if (product.analysis.status === "READY" || product.analysis.status === "FAILED") return product;
    if (Date.now() > deadline) throw new Error(`analysis of ${id} still ${product.analysis.status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Adds a product, which comes back with its analysis queued (PENDING, or already
 * RUNNING or READY when a worker was quicker than the response), and returns it
 * once its analysis is done.
 */
export async function addProductAndWait(client: GraphQLClient, sourceUrl: string, image: UploadPart): Promise<AnalysedProduct> {
  const response = await client.upload(ADD_PRODUCT, { sourceUrl, image: null }, [image]);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(["PENDING", "RUNNING", "READY"]).toContain(response.data!.addProduct.analysis.status);
  return waitForAnalysis(client, response.data!.addProduct.id);
}
