/**
 * What fields cost, in points, the way Shopify and GitHub price a query:
 * a scalar or enum field is free, an object field costs 1, and a field that
 * takes `first` or `limit` multiplies what is selected under it by that
 * number. The entries below are the exceptions, by "Type.field"; startup
 * checks that each names a real field (query-cost.ts).
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  // One SQL ranking each (tags, full text, vectors), whatever the limit.
  "Query.search": 10,
  "Query.similarProducts": 10,
  // A full image analysis of the query photo, then a ranking.
  "Mutation.findSimilarProducts": 50,
  // Stores a photo and queues its analysis.
  "Mutation.addProduct": 20,
  "Mutation.addPhoto": 20,
  // Deletes rows and a stored file, and rewrites the product's tags.
  "Mutation.removePhoto": 10,
  "Mutation.retryAnalysis": 10,
  // Deletes rows, queued jobs and stored files.
  "Mutation.deleteProduct": 10,
  // Writes up to 1,000 items and queues their jobs; each item is then paced by the workers (IMPORT_CONCURRENCY).
  "Mutation.importProducts": 100,
  // Counts over the photo table.
  "Query.visualIndex": 5,
};

/**
 * How many items a list without a `first`/`limit` argument is priced at.
 * Lists not named here count once: they are parts of a row already read
 * (tags, detected objects), or already multiplied by a parent's `first`
 * (a connection's edges, the matches of findSimilarProducts(limit)).
 */
export const LIST_SIZES: Readonly<Record<string, number>> = {
  // addProduct stores one photo per product; a few more leave room for products that gain photos.
  "Product.photos": 4,
};

/** Arguments that say how many items a field returns. */
export const SIZE_ARGUMENTS = ["first", "limit"] as const;
