import { expect } from "vitest";
import type { GraphQLClient, UploadPart } from "./graphql-client.js";

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id tags } }`;

/** Adds a product and returns it once its analysis is done. */
export async function addProductAndWait(client: GraphQLClient, sourceUrl: string, image: UploadPart): Promise<{ id: string; tags: string[] }> {
  const response = await client.upload(ADD_PRODUCT, { sourceUrl, image: null }, [image]);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.addProduct;
}
