import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { DomainError } from "../../errors.js";
import { CostBudgetRefusal, type CostBudget } from "./cost-budget.js";
import { actualCost, requestedCost } from "./query-cost.js";
import { queryTooComplex, type QueryLimits } from "./query-too-complex.js";
import { isTokenLimitError, tokenLimitRefusal } from "./token-limit.js";

/** extensions.cost of every response to an operation that got as far as being priced. */
export interface CostReport {
  requested: number;
  actual: number;
  maximum: number;
  remaining: number;
}

/**
 * The limits that need more than the document's shape: the token count
 * (parse) and the requested cost (which reads the variables), plus
 * `extensions.cost` on the response. Depth, aliases and directives are
 * validation rules (document-limits.ts).
 */
export function queryLimitsPlugin<TContext extends BaseContext>(options: {
  limits: QueryLimits;
  budget: CostBudget<TContext>;
  /** The server's error formatter, for the token refusal that replaces graphql-js's parse error. */
  formatRefusal: (error: DomainError) => GraphQLFormattedError;
}): ApolloServerPlugin<TContext> {
  const { limits, budget } = options;
  return {
    async requestDidStart() {
      let tokenRefusal: DomainError | undefined;
      let cost: CostReport | undefined;
      return {
        async parsingDidStart({ source }) {
          return async (error) => {
            if (error && isTokenLimitError(error)) tokenRefusal = tokenLimitRefusal(source, limits.maxTokens);
          };
        },
        async didResolveOperation({ schema, document, operation, operationName, request, contextValue }) {
          const requested = requestedCost(schema, document, { operationName, variables: request.variables });
          if (requested > limits.maxCost) {
            cost = { requested, actual: 0, maximum: limits.maxCost, remaining: limits.maxCost };
            throw refusalError(queryTooComplex("cost", limits.maxCost, requested));
          }
          // A refusal by the budget (a rate limiter) leaves nothing taken: report what was asked.
          cost = { requested, actual: 0, maximum: limits.maxCost, remaining: limits.maxCost };
          try {
            const state = await budget.take(requested, contextValue, { schema, document, operation });
            cost = { requested, actual: 0, ...state };
          } catch (error) {
            if (!(error instanceof CostBudgetRefusal)) throw error;
            cost = { requested, actual: 0, ...error.state };
            throw error.error;
          }
        },
        async willSendResponse({ response, schema, document, operationName, request, contextValue }) {
          await budget.settle?.(contextValue);
          if (response.body.kind !== "single") return;
          const result = response.body.singleResult;
          // graphql-js's parse error names no number: the refusal states the limit and the count.
          if (tokenRefusal) result.errors = [options.formatRefusal(tokenRefusal)];
          if (!cost) return;
          if (result.data && document) {
            cost.actual = actualCost(schema, document, { operationName, variables: request.variables }, result.data);
          }
          result.extensions = { ...result.extensions, cost };
        },
      };
    },
  };
}

/** 400, like the other refusals before execution (Apollo answers 500 to errors thrown here by default). */
function refusalError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { http: { status: 400 } } });
}
