import { flattenTags } from "../src/analysis/tags.js";
import { SeededRandom } from "./random.js";
import { POPULAR_PICKERS, RARE_PICKERS, syntheticFeatures, type TagPickers } from "./synthetic-features.js";

export type QueryKind = "popular" | "rare";
export const QUERY_KINDS: readonly QueryKind[] = ["popular", "rare"];

export interface QuerySets {
  popular: string[][];
  rare: string[][];
}

const MIN_TAGS = 4;
const MAX_TAGS = 8;

/**
 * Tag lists as a query photo yields them: "popular" ones drawn like the
 * catalogue itself (so their candidate sets are large), "rare" ones from the
 * tail of every vocabulary. Seeded apart from the catalogue, so the queries
 * stay the same when BENCH_PRODUCTS changes.
 */
export function buildQuerySets(count: number, seed: number): QuerySets {
  const random = new SeededRandom(seed ^ 0x5eed);
  const half = Math.ceil(count / 2);
  return {
    popular: Array.from({ length: half }, () => queryTags(random, POPULAR_PICKERS)),
    rare: Array.from({ length: count - half }, () => queryTags(random, RARE_PICKERS)),
  };
}

function queryTags(random: SeededRandom, pickers: TagPickers): string[] {
  for (;;) {
    const tags = flattenTags(syntheticFeatures(random, pickers));
    if (tags.length < MIN_TAGS) continue;
    return tags.length <= MAX_TAGS ? tags : random.sample(tags, random.int(MIN_TAGS, MAX_TAGS)).sort();
  }
}
