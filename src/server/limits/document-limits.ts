import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { GraphQLArmorRejectCallback } from "@escape.tech/graphql-armor-types";
import { GraphQLError, type ValidationRule } from "graphql";
import { queryTooComplex, type QueryLimitName, type QueryLimits } from "./query-too-complex.js";

/**
 * GraphQL Armor's depth, alias and directive limits, as validation rules:
 * they run with graphql-js's own rules, before any resolver. Armor's token
 * limit is not used (graphql-js's parser has one, see token-limit.ts), nor
 * its cost limit (query-cost.ts is argument-aware), nor its suggestion
 * blocking (graphql/format-error.ts does it for HTTP and WebSocket alike).
 *
 * Introspection (`__schema`, `__type`) is left out of the depth, as Armor
 * does by default; it is off in production. 3.2.0 carries the fixes for
 * naming an operation or fragment `__schema` to slip past the depth limit.
 */
export function documentLimitRules(limits: QueryLimits): ValidationRule[] {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return new ApolloArmor({
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
    // Fragments flattened: depth is how deep fields nest, however the document is split.
    maxDepth: { ...common, n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, onReject: [report("depth", limits.maxDepth)] },
    maxAliases: { ...common, n: limits.maxAliases, onReject: [report("aliases", limits.maxAliases)] },
    maxDirectives: { ...common, n: limits.maxDirectives, onReject: [report("directives", limits.maxDirectives)] },
  }).protect().validationRules;
}

/** Armor states the measured value only in its message ("… exceeded, found 21."): the refusal carries it as a number. */
function report(limit: QueryLimitName, maximum: number): GraphQLArmorRejectCallback {
  return (context, armorError) => {
    const measured = Number(/found (\d+)/.exec(armorError.message)?.[1] ?? maximum + 1);
    const refusal = queryTooComplex(limit, maximum, measured);
    context?.reportError(new GraphQLError(refusal.message, { originalError: refusal }));
  };
}
