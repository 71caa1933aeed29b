import type { DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode } from "graphql";

/**
 * Where a budget of points plugs into the request pipeline. The limits
 * plugin asks it once per operation, after the operation's requested cost is
 * known to be within the per-request maximum and before anything runs.
 *
 * With RATE_LIMIT off, the budget is the per-request maximum alone: what
 * remains is the maximum minus what was requested. The rate limiter
 * (rate/rate-limiter.ts: points per key, refilled over time) takes the
 * points, or throws a CostBudgetRefusal (RATE_LIMITED) to refuse the operation.
 * Apollo runs every plugin's didResolveOperation at once, so take() may be
 * called for a request the scopes plugin refuses: a budget checks that itself.
 */
export interface CostBudget<TContext> {
  /** Takes `requested` points for this request; returns the points that remain. */
  take(requested: number, context: TContext, operation: PricedOperation): Promise<CostBudgetState>;
  /** Once the response is ready (whether or not the operation ran): lets go of what take() held for it. Never throws. */
  settle?(context: TContext): Promise<void>;
}

/** The operation being priced, for a budget that also counts what it does (uploads, queued work). */
export interface PricedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** Undefined only when Apollo could not pick one, and refuses the request anyway. */
  operation: OperationDefinitionNode | undefined;
}

/** Thrown by take() to refuse the operation: `error` is the response's error, `state` what extensions.cost reports. */
export class CostBudgetRefusal extends Error {
  constructor(
    readonly error: GraphQLError,
    readonly state: CostBudgetState,
  ) {
    super(error.message);
  }
}

export interface CostBudgetState {
  /** Points left after this operation. */
  remaining: number;
  /** The most points the budget holds. */
  maximum: number;
}

export function perRequestBudget(maxCost: number): CostBudget<unknown> {
  return { take: async (requested) => ({ remaining: Math.max(0, maxCost - requested), maximum: maxCost }) };
}
