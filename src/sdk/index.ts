/**
 * The typed Lookalike SDK: one operation per document in schema/operations/,
 * typed by GraphQL Code Generator, and a small client that sends them (files
 * included). It imports nothing from the server.
 *
 *   const client = createLookalikeClient({ url: "http://localhost:4000/graphql" });
 *   const { search } = await client.request(SearchDocument, { query: "red cup" });
 */
export { createLookalikeClient, type LookalikeClient, type LookalikeClientOptions } from "./client.js";
export { AnalysisFailedError, LookalikeRequestError, type GraphQLErrorEntry } from "./errors.js";
export { waitForAnalysis, type WaitOptions } from "./wait-for-analysis.js";
export * from "./generated/graphql.js";
