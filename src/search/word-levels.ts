/**
 * The full-text ranking as index-friendly conditions. A product's level is
 * how many of the query's distinct words its search document matches; the
 * ranking is level first, then newest. "At least L of these words" is one
 * tsquery: the OR of every L-word AND. Each level's newest k is one
 * GIN-able or index-ordered scan (the planner picks, knowing the words), so
 * the exact top k never scores every match, as ranking all matches by
 * ts_rank_cd did: at a million products "white t-shirt" matches most of them.
 */

/** Distinct word queries the ranking counts: at most C(6, 3) = 20 ANDs in one level's tsquery. */
export const MAX_COUNTED_WORDS = 6;

/**
 * From each word's own tsquery (as plainto_tsquery printed it; words of only
 * stop words print empty and are dropped, and words that stem alike count
 * once), the tsquery of each level, highest first: index 0 is "all of
 * them", the last "any of them".
 */
export function levelQueries(wordQueries: readonly string[]): Array<{ level: number; query: string }> {
  const words = [...new Set(wordQueries.map((query) => query.trim()).filter((query) => query.length > 0))].slice(0, MAX_COUNTED_WORDS);
  const levels: Array<{ level: number; query: string }> = [];
  for (let level = words.length; level >= 1; level--) {
    levels.push({ level, query: combinations(words, level).map((set) => set.map((word) => `(${word})`).join(" & ")).map((and) => `(${and})`).join(" | ") });
  }
  return levels;
}

function combinations<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items;
  return [...combinations(rest, size - 1).map((set) => [first!, ...set]), ...combinations(rest, size)];
}
