import type { BaseContext } from "@apollo/server";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { GraphQLErrorFormatter } from "../../graphql/format-error.js";
import { perRequestBudget, type CostBudget } from "./cost-budget.js";
import { documentLimitRules } from "./document-limits.js";
import { checkCostTable } from "./query-cost.js";
import { queryLimitsPlugin } from "./query-limits-plugin.js";
import type { QueryLimits } from "./query-too-complex.js";

/**
 * Every limit on one operation, as Apollo Server takes them: the parser's
 * token limit, the validation rules (depth, aliases, directives) and the
 * plugin (cost, extensions.cost). All run before any resolver.
 */
export function apolloQueryLimits<TContext extends BaseContext>(options: {
  schema: GraphQLSchema;
  limits: QueryLimits;
  formatError: GraphQLErrorFormatter;
  /** Where a rate limiter by cost plugs in; by default the per-request maximum alone. */
  budget?: CostBudget<TContext>;
}) {
  checkCostTable(options.schema);
  return {
    parseOptions: { maxTokens: options.limits.maxTokens },
    validationRules: documentLimitRules(options.limits),
    plugin: queryLimitsPlugin<TContext>({
      limits: options.limits,
      budget: options.budget ?? perRequestBudget(options.limits.maxCost),
      formatRefusal: (error) => options.formatError(new GraphQLError(error.message, { originalError: error }).toJSON(), error),
    }),
  };
}

export { requestedCost, actualCost } from "./query-cost.js";
export type { CostBudget, CostBudgetState } from "./cost-budget.js";
export type { QueryLimits } from "./query-too-complex.js";
