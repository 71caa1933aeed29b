/**
 * Planning an exact top-k by weighted tag overlap as "guess a threshold,
 * then verify it". A product's score is at most the sum of the weights of
 * the query tags it carries (confidences are at most 1), so every product
 * scoring at least θ carries one of the minimal tag sets whose weights reach
 * θ (the winning coalitions). Those sets become a few GIN conjunctions over
 * product.tag_ids. If at least k products among them score θ or more, their
 * top k is the exact top k of the whole catalogue; if not, θ was too high,
 * and the next guess is lower. The guesses come from the tags' document
 * frequencies and mean confidences, assuming tags occur independently; a wrong guess costs time,
 * never correctness.
 */

export interface PlannedTag {
  id: number;
  /** Most this tag can add to a score. */
  weight: number;
  /** Products carrying it (tag_stats.product_count). */
  products: number;
  /** How sure, on average, the tagger was of it on those products: what it adds is weight times that. */
  meanConfidence: number;
}

export interface PlanLimits {
  /** Guess θ so that about this many times k products are expected at or above it. */
  overshoot: number;
  /** Each later guess expects this many times more products than the one before. */
  widening: number;
  /** A guess whose coalitions outnumber this is not planned (the pruned SQL function takes over). */
  maxCoalitions: number;
  /** Nor is one whose conjunctions are expected to yield more candidates than this. */
  maxCandidates: number;
  /** Look first for k products tied at the most any product can score (maximum-score-ties.ts, maximumScoreTopK). */
  maximumTies: boolean;
  /**
   * The most certain carriers of one tag that maximumScoreTopK's walk reads;
   * it walks when k ties are expected within half of them (0: never). 4,000
   * entries, each with a lookup per other tag, cost about what reading 3,000
   * carriers' rows does (about 10 ms at 1M): set from that cost, not tuned.
   */
  tieWalkRows: number;
}

/**
 * maxCoalitions and maxCandidates were 64 and 100,000. At a million products
 * a photo's many common tags (five colours, shirt, t-shirt...) need
 * hundreds of coalitions, and the pruned SQL function then took 1-5 s where
 * the planned statement takes 30-150 ms, with the same answers: tuned on
 * one sample of 40 products, checked on another (TAGS ranking of 40
 * products: 8.9 s in all before, 1.4 s after; the slowest 4.5 s, then 149 ms).
 *
 * maxCoalitions was then 1,024. Products with 15-17 tags still needed more
 * (similarProducts' tag side, k = 40): 12 of 4,000 products fell to the
 * function, 1.6-5.8 s each, and every one of them was planned at 2,048
 * coalitions in 70-780 ms, with the same answers; planning took no longer
 * from 2,048 to 8,192. 4,096 keeps a margin over that sample (bench/README.md).
 */
export const DEFAULT_PLAN_LIMITS: PlanLimits = { overshoot: 2, widening: 8, maxCoalitions: 4_096, maxCandidates: 400_000, maximumTies: true, tieWalkRows: 4_000 };

/** Guesses are a little below the expected level: most stored confidences are just under 1. */
const CONFIDENCE_SLACK = 1;
const HISTOGRAM_BUCKETS = 512;
/**
 * What a GIN conjunction costs per posting of a list it holds, against what
 * a candidate costs once found (heap fetch, scoring, and the lists skipped
 * while finding it). Only their ratio matters; tuned with the benchmark, at
 * a million products.
 */
const DECODE_COST = 0.025;
const CANDIDATE_COST = 12;

/**
 * Score levels, highest first, with how many products are expected at or
 * above each: the distribution of "sum of what the query tags a product
 * carries add", built bucket by bucket, one tag at a time.
 */
export function expectedAtOrAbove(tags: readonly PlannedTag[], productCount: number): Array<{ level: number; products: number }> {
  const total = tags.reduce((sum, tag) => sum + tag.weight, 0);
  const width = total / (HISTOGRAM_BUCKETS - 1);
  let share = new Float64Array(HISTOGRAM_BUCKETS);
  share[0] = 1;
  for (const tag of tags) {
    const carried = Math.min(1, tag.products / Math.max(productCount, 1));
    const shift = Math.round((tag.weight * likelyConfidence(tag)) / width);
    const next = new Float64Array(HISTOGRAM_BUCKETS);
    for (let bucket = 0; bucket < HISTOGRAM_BUCKETS; bucket++) {
      const here = share[bucket]!;
      if (here === 0) continue;
      next[bucket]! += here * (1 - carried);
      next[Math.min(bucket + shift, HISTOGRAM_BUCKETS - 1)]! += here * carried;
    }
    share = next;
  }
  const levels: Array<{ level: number; products: number }> = [];
  let above = 0;
  for (let bucket = HISTOGRAM_BUCKETS - 1; bucket > 0; bucket--) {
    if (share[bucket] === 0) continue;
    above += share[bucket]! * productCount;
    levels.push({ level: bucket * width, products: above });
  }
  return levels;
}

/**
 * The thresholds to try, highest first. The last one is `floor` (the
 * caller's minimum score): a search at the floor is final whatever it finds.
 */
export function* thresholdGuesses(tags: readonly PlannedTag[], productCount: number, k: number, floor: number, limits: PlanLimits): Generator<number> {
  let wanted = limits.overshoot * k;
  for (const { level, products } of expectedAtOrAbove(tags, productCount)) {
    if (level <= floor) break;
    if (products < wanted) continue;
    yield level;
    wanted = products * limits.widening;
  }
  yield floor;
}

/**
 * The minimal sets of query tags (as indexes into `tags`, heaviest first)
 * whose weights add up to `threshold` or more; null when there are more
 * than `max` of them.
 */
export function winningCoalitions(tags: readonly PlannedTag[], threshold: number, max: number): number[][] | null {
  const byWeight = tags.map((_, index) => index).sort((a, b) => tags[b]!.weight - tags[a]!.weight);
  const rest: number[] = [];
  let after = 0;
  for (let position = byWeight.length - 1; position >= 0; position--) rest[position] = after += tags[byWeight[position]!]!.weight;
  const found: number[][] = [];
  let overflow = false;
  const extend = (position: number, chosen: number[], sum: number): void => {
    if (overflow) return;
    if (sum >= threshold) {
      // Members join heaviest first and the search stops at the threshold, so no member is spare.
      found.push(chosen);
      overflow = found.length > max;
      return;
    }
    if (position >= byWeight.length || sum + rest[position]! < threshold) return;
    const index = byWeight[position]!;
    extend(position + 1, [...chosen, index], sum + tags[index]!.weight);
    extend(position + 1, chosen, sum);
  };
  extend(0, [], 0);
  return overflow ? null : found;
}

export interface Conjunctions {
  /** Tag-id sets: a candidate carries all of at least one of them. */
  sets: number[][];
  /** Products the sets are expected to yield, assuming independence. */
  expectedCandidates: number;
}

/**
 * What a tag is taken to add, as a share of its weight, on the products that
 * matter: the top ones tend to be those the tagger was surer of than on
 * average, so halfway between the tag's mean confidence and certainty.
 * (Tuned on both benchmark workloads, one with hesitant confidences, one
 * with sure ones.)
 */
function likelyConfidence(tag: PlannedTag): number {
  return (1 + tag.meanConfidence) / 2;
}

/**
 * For each coalition (plus the tags every result must carry), the tags worth
 * asking the GIN index for: rarest first, while narrowing the candidates
 * saves more than decoding one more posting list costs. The other tags are
 * checked on the rows. Sets that contain another set are dropped.
 */
export function ginConjunctions(coalitions: readonly number[][], tags: readonly PlannedTag[], required: readonly PlannedTag[], productCount: number): Conjunctions {
  const chosen = new Map<string, { ids: number[]; expected: number }>();
  for (const coalition of coalitions) {
    const members = [...coalition.map((index) => tags[index]!), ...required].sort((a, b) => a.products - b.products);
    const ids: number[] = [];
    let expected = productCount;
    for (const tag of members) {
      const kept = tag.products / Math.max(productCount, 1);
      const saving = expected * (1 - kept) * CANDIDATE_COST;
      if (ids.length > 0 && saving <= tag.products * DECODE_COST) continue;
      ids.push(tag.id);
      expected *= kept;
    }
    ids.sort((a, b) => a - b);
    chosen.set(ids.join(), { ids, expected });
  }
  const all = [...chosen.values()];
  const minimal = all.filter((set) => !all.some((other) => other !== set && other.ids.length < set.ids.length && other.ids.every((id) => set.ids.includes(id))));
  return { sets: minimal.map((set) => set.ids), expectedCandidates: minimal.reduce((sum, set) => sum + set.expected, 0) };
}

/** Products carrying every tag of `all` and at least one of `any` (empty: no such condition). */
export interface FactoredConjunction {
  all: number[];
  any: number[];
}

/**
 * The same candidates as the conjunctions, in fewer GIN conditions: sets
 * that differ by one tag share the rest, as "all of these and any one of
 * those" (A∧B ∨ A∧C = A∧(B∨C)). Each condition is one index scan that reads
 * its tags' posting lists once, where each set read the shared tags again.
 * At a million products, one product's 14 sets around two tags took 37 ms in
 * the index, and 9 ms as 3 conditions; similarProducts' tag ranking took 46
 * ms on average over 100 products, and 32 ms after, with the same answers.
 * Shared parts are taken largest group first; a set left alone stays a plain
 * "all of these".
 */
export function factorConjunctions(sets: readonly number[][]): FactoredConjunction[] {
  const groups = new Map<string, { shared: number[]; members: Array<{ set: number; extra: number }> }>();
  sets.forEach((ids, set) => {
    for (const extra of ids) {
      const shared = ids.filter((id) => id !== extra);
      const key = shared.join();
      const group = groups.get(key) ?? groups.set(key, { shared, members: [] }).get(key)!;
      group.members.push({ set, extra });
    }
  });
  const covered = new Set<number>();
  const factored: FactoredConjunction[] = [];
  for (const group of [...groups.values()].sort((a, b) => b.members.length - a.members.length || a.shared.length - b.shared.length)) {
    const members = group.members.filter((member) => !covered.has(member.set));
    if (members.length < 2) continue;
    members.forEach((member) => covered.add(member.set));
    factored.push({ all: group.shared, any: members.map((member) => member.extra).sort((a, b) => a - b) });
  }
  sets.forEach((ids, set) => {
    if (!covered.has(set)) factored.push({ all: [...ids], any: [] });
  });
  return factored;
}
