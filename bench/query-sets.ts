import { SeededRandom } from "./random.js";
import type { Workload } from "./workloads.js";

export type QueryKind = "popular" | "rare";
export const QUERY_KINDS: readonly QueryKind[] = ["popular", "rare"];

export interface QuerySets {
  popular: string[][];
  rare: string[][];
}

/**
 * Tag lists as a query photo yields them: "popular" ones drawn like the
 * catalogue itself (so their candidate sets are large), "rare" ones mostly
 * from the tail of the vocabulary. Seeded apart from the catalogue, so the
 * queries stay the same when BENCH_PRODUCTS changes.
 */
export function buildQuerySets(count: number, seed: number, workload: Workload): QuerySets {
  const random = new SeededRandom(seed ^ 0x5eed);
  const half = Math.ceil(count / 2);
  return {
    popular: Array.from({ length: half }, () => workload.queryTags(random, "popular")),
    rare: Array.from({ length: count - half }, () => workload.queryTags(random, "rare")),
  };
}
