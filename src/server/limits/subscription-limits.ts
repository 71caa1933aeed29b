import { GraphQLError, type GraphQLSchema, parse, validate, type DocumentNode } from "graphql";
import { documentLimitRules } from "./document-limits.js";
import { requestedCost } from "./query-cost.js";
import { queryTooComplex, type QueryLimits } from "./query-too-complex.js";
import { isTokenLimitError, tokenLimitRefusal } from "./token-limit.js";

/**
 * The HTTP limits (tokens, depth, aliases, directives, cost), for an
 * operation subscribed over graphql-ws: a subscription's selection runs again
 * at every event, so a deep or wide one is refused before it starts, with the
 * same QUERY_TOO_COMPLEX error. Rate limiting by cost applies to HTTP only.
 */
export function subscriptionLimits(schema: GraphQLSchema, limits: QueryLimits) {
  const rules = documentLimitRules(limits);
  return (payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null }): readonly GraphQLError[] | undefined => {
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: limits.maxTokens });
    } catch (error) {
      if (isTokenLimitError(error)) return [asGraphQLError(tokenLimitRefusal(payload.query, limits.maxTokens))];
      return [error instanceof GraphQLError ? error : new GraphQLError("The operation cannot be parsed.")];
    }
    const refused = validate(schema, document, rules);
    if (refused.length > 0) return refused;
    const requested = requestedCost(schema, document, { operationName: payload.operationName ?? undefined, variables: payload.variables ?? undefined });
    if (requested > limits.maxCost) return [asGraphQLError(queryTooComplex("cost", limits.maxCost, requested))];
    return undefined;
  };
}

function asGraphQLError(error: Error): GraphQLError {
  return new GraphQLError(error.message, { originalError: error });
}
