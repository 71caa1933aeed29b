import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from "@apollo/server";
import { Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { Histogram, type Registry } from "prom-client";
import { boundedCode, OperationNameLabels } from "../../observability/labels.js";
import { OPERATION_BUCKETS } from "../../observability/registry.js";

/** What one GraphQL operation over HTTP was, once answered (for the request log). */
export interface AnsweredOperation {
  /** The operation's name as sent (cut to 100 characters), null when anonymous. */
  name: string | null;
  type: string;
  outcome: string;
}

export interface GraphqlMetricsOptions<TContext> {
  registry: Registry;
  /** Operation names that always get their own series: the SDK's operations. */
  knownOperationNames: ReadonlySet<string>;
  /** Told of every answered operation, with the context it ran in. */
  onAnswered?: (context: TContext, operation: AnsweredOperation) => void;
}

/**
 * Times every GraphQL operation over HTTP, from Apollo receiving it to the
 * response, labelled by operation name (bounded, see labels.ts), type
 * (query, mutation, subscription; "unknown" when it never resolved to one)
 * and outcome: the first error's code, or "ok". Requests refused before
 * Apollo (no valid API key, a persisted document required) never reach it;
 * subscriptions over WebSocket are counted as gauges instead.
 */
export function graphqlMetricsPlugin<TContext extends BaseContext>(options: GraphqlMetricsOptions<TContext>): ApolloServerPlugin<TContext> {
  const duration = new Histogram({
    name: "lookalike_graphql_operation_duration_seconds",
    help: "GraphQL operations over HTTP, from receipt to response, by operation name, type and outcome (the first error's code, or ok).",
    labelNames: ["operation", "type", "outcome"] as const,
    buckets: OPERATION_BUCKETS,
    registers: [options.registry],
  });
  const names = new OperationNameLabels(options.knownOperationNames);
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, document, request, response }) {
          // A document that failed validation never resolved to an operation: its only one names it.
          const name = operationName ?? request.operationName ?? soleOperationName(document) ?? null;
          const type = operation?.operation ?? "unknown";
          const outcome = outcomeOf(response);
          duration.observe({ operation: names.of(name), type, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
          options.onAnswered?.(contextValue, { name: name?.slice(0, 100) ?? null, type, outcome });
        },
      };
    },
  };
}

function soleOperationName(document: DocumentNode | undefined): string | undefined {
  const operations = document?.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION) ?? [];
  return operations.length === 1 ? (operations[0] as OperationDefinitionNode).name?.value : undefined;
}

/** The code of the first error, as clients see it (after formatError's masking), or "ok". */
function outcomeOf(response: GraphQLResponse): string {
  const errors = response.body.kind === "single" ? response.body.singleResult.errors : response.body.initialResult.errors;
  if (!errors?.length) return "ok";
  return boundedCode(errors[0]!.extensions?.code);
}
