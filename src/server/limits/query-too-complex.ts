import { withCode } from "../../errors.js";

/** The limits an operation is measured against before anything runs. */
export type QueryLimitName = "tokens" | "depth" | "aliases" | "directives" | "cost";

/** Settings of the limits (config.ts, GRAPHQL_MAX_*). */
export interface QueryLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Requested cost (query-cost.ts) of one operation. */
  maxCost: number;
}

const MEASURES: Record<QueryLimitName, string> = {
  tokens: "has {measured} tokens",
  depth: "is nested {measured} fields deep",
  aliases: "has {measured} aliases",
  directives: "has {measured} directives",
  cost: "has a requested cost of {measured} points",
};

/**
 * One code for every limit, so a client handles them alike; `limit` says
 * which, and `maximum` and `measured` say by how much.
 */
export class QueryTooComplexError extends withCode("QUERY_TOO_COMPLEX") {}

export function queryTooComplex(limit: QueryLimitName, maximum: number, measured: number): QueryTooComplexError {
  const measure = MEASURES[limit].replace("{measured}", String(measured));
  return new QueryTooComplexError(`The operation ${measure}, over the limit of ${maximum} (${limit}); nothing was run.`, {
    limit,
    maximum,
    measured,
  });
}
