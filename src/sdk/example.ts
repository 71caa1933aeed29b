/**
 * `npm run example [photo]`: the SDK end to end against a running server
 * (LOOKALIKE_URL, default http://localhost:4000/graphql). Uploads a photo as a
 * product, waits for its analysis, then asks which products look like it.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AddProductDocument, createLookalikeClient, FindSimilarProductsDocument, LookalikeRequestError, waitForAnalysis } from "./index.js";

const url = process.env.LOOKALIKE_URL ?? "http://localhost:4000/graphql";
const photoPath = process.argv[2] ?? fileURLToPath(new URL("../../test/fixtures/coffee.png", import.meta.url));

const client = createLookalikeClient({ url });
// The server sniffs the real type from the bytes, so no content type is needed here.
const photo = new File([await readFile(photoPath)], path.basename(photoPath));

// sourceUrl is unique in the catalogue, so every run asks for a new product.
const sourceUrl = `https://shop.example/sdk-example/${Date.now()}`;
let productId: string;
try {
  const { addProduct } = await client.request(AddProductDocument, { sourceUrl, image: photo });
  productId = addProduct.id;
  console.log(`Added product ${addProduct.id} (${addProduct.sourceUrl})`);
} catch (error) {
  // A file is stored only once: on a second run, go on with the product that has it.
  if (!(error instanceof LookalikeRequestError && error.code === "DUPLICATE_IMAGE")) throw error;
  productId = String(error.errors[0]?.extensions?.existingProductId);
  console.log(`Already in the catalogue as product ${productId}`);
}

const analysed = await waitForAnalysis(client, productId, { timeoutMs: 120_000 });
console.log(`Tags: ${analysed.tags.join(", ")}`);

const { findSimilarProducts } = await client.request(FindSimilarProductsDocument, { image: photo, limit: 5 });
console.log(`Similar products (query tags: ${findSimilarProducts.queryTags.join(", ")}):`);
for (const [rank, match] of findSimilarProducts.matches.entries()) {
  console.log(`${rank + 1}. ${match.product.id} ${match.product.sourceUrl} score ${match.score.toFixed(2)} [${match.matchedTags.join(", ")}]`);
}
