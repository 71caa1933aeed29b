/** One result of a ranking, reduced to what two rankings are compared on (raw scores, before dividing by the query's total). */
export interface RankedId {
  id: string;
  score: number;
}

export interface RankingMismatch {
  kind: string;
  /** What disagreed with what. */
  reason: string;
  queryIndex: number;
  tags: string[];
  ours: RankedId[];
  baseline: RankedId[];
}

/**
 * Two scores this close count as equal. The rankings add the same float8
 * terms in different orders (similar_products sums a product's tags round by
 * round, the baseline in one go), so a score can differ in its last bits
 * (~1e-15) between them, and an exact tie may then break differently.
 * Real score differences are far larger (weights are ~0.3 to ~40).
 */
export const SCORE_TOLERANCE = 1e-9;

export type Agreement = "exact" | "equal up to ties" | "different";

const close = (a: number, b: number) => Math.abs(a - b) <= SCORE_TOLERANCE;

/**
 * "exact": same ids in the same order, scores equal within the tolerance.
 * "equal up to ties": ours holds distinct products whose scores, place by
 * place, are the baseline's top scores, and the baseline's deeper ranking
 * gives each of them that same score; only products tied within the
 * tolerance trade places (or the last places, when a tie spans the cut-off).
 * `deeper` is fetched only when the first check fails.
 */
export async function compareRankings(ours: readonly RankedId[], baseline: readonly RankedId[], deeper: () => Promise<RankedId[]>): Promise<Agreement> {
  const sameLength = ours.length === baseline.length;
  if (sameLength && ours.every((item, index) => item.id === baseline[index]?.id && close(item.score, baseline[index].score))) return "exact";
  if (!sameLength || !ours.every((item, index) => close(item.score, baseline[index]?.score ?? Number.NaN))) return "different";
  if (new Set(ours.map((item) => item.id)).size !== ours.length) return "different";
  const deeperScores = new Map((await deeper()).map((item) => [item.id, item.score]));
  return ours.every((item) => close(item.score, deeperScores.get(item.id) ?? Number.NaN)) ? "equal up to ties" : "different";
}
