/**
 * Where a budget of points plugs into the request pipeline. The limits
 * plugin asks it once per operation, after the operation's requested cost is
 * known to be within the per-request maximum and before anything runs.
 *
 * Today the budget is the per-request maximum alone: what remains is the
 * maximum minus what was requested. A rate limiter by cost (points per key,
 * refilled over time) replaces it: it takes the points, or throws a coded
 * DomainError (such as RATE_LIMITED) to refuse the operation.
 */
export interface CostBudget<TContext> {
  /** Takes `requested` points for this request; returns the points that remain. */
  take(requested: number, context: TContext): Promise<CostBudgetState>;
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
