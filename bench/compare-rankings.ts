import type { RankedId } from "./naive-similar.js";

export interface RankingMismatch {
  kind: string;
  queryIndex: number;
  tags: string[];
  ours: RankedId[];
  baseline: RankedId[];
}

/** Same ids, same scores, same order: ties must break the same way too. */
export function sameRanking(a: readonly RankedId[], b: readonly RankedId[]): boolean {
  return a.length === b.length && a.every((item, index) => item.id === b[index]?.id && item.score === b[index]?.score);
}
