import { describe, expect, it } from "vitest";
import { DEFAULT_PLAN_LIMITS, expectedAtOrAbove, factorConjunctions, ginConjunctions, thresholdGuesses, winningCoalitions, type PlannedTag } from "../../src/search/top-k-plan.js";
import { seededRandom } from "../support/seeded-random.js";

const PRODUCTS = 1_000_000;

function randomTags(next: () => number, count: number): PlannedTag[] {
  return Array.from({ length: count }, (_, index) => ({ id: index + 1, weight: 0.2 + next() * 10, products: 1 + Math.floor(next() ** 3 * PRODUCTS), meanConfidence: 0.5 + next() / 2 }));
}

/** Every subset of the tags, by brute force: those reaching the threshold with no member to spare. */
function minimalWinningSets(tags: readonly PlannedTag[], threshold: number): string[] {
  const found: string[] = [];
  for (let mask = 1; mask < 1 << tags.length; mask++) {
    const members = tags.map((_, index) => index).filter((index) => mask & (1 << index));
    const sum = members.reduce((total, index) => total + tags[index]!.weight, 0);
    if (sum >= threshold && members.every((index) => sum - tags[index]!.weight < threshold)) found.push(members.join());
  }
  return found.sort();
}

describe("top-k plan", () => {
  it("finds exactly the minimal winning coalitions", () => {
    const next = seededRandom(1);
    for (let round = 0; round < 200; round++) {
      const tags = randomTags(next, 1 + Math.floor(next() * 9));
      const total = tags.reduce((sum, tag) => sum + tag.weight, 0);
      const threshold = next() * total;
      const found = winningCoalitions(tags, threshold, 1_000)!.map((set) => [...set].sort((a, b) => a - b).join());
      expect(found.sort(), `round ${round}`).toEqual(minimalWinningSets(tags, threshold));
    }
  });

  it("gives up when the coalitions outnumber the limit", () => {
    const tags = Array.from({ length: 12 }, (_, index) => ({ id: index, weight: 1, products: 10, meanConfidence: 1 }));
    expect(winningCoalitions(tags, 6, 100)).toBeNull(); // 12 choose 6 = 924
    expect(winningCoalitions(tags, 11.5, 100)).toHaveLength(1);
  });

  it("asks the index only for tags of each coalition (or required ones), and drops sets that contain another", () => {
    const next = seededRandom(2);
    for (let round = 0; round < 100; round++) {
      const tags = randomTags(next, 2 + Math.floor(next() * 7));
      const required = next() < 0.3 ? [{ id: 99, weight: 0, products: Math.floor(next() * PRODUCTS) + 1, meanConfidence: 1 }] : [];
      const coalitions = winningCoalitions(tags, next() * 20, 1_000)!;
      const { sets } = ginConjunctions(coalitions, tags, required, PRODUCTS);
      // Every coalition is covered by a set made of its own tags and the required ones.
      for (const coalition of coalitions) {
        const allowed = new Set([...coalition.map((index) => tags[index]!.id), ...required.map((tag) => tag.id)]);
        expect(sets.some((set) => set.every((id) => allowed.has(id)))).toBe(true);
      }
      for (const set of sets) expect(sets.filter((other) => other !== set && other.every((id) => set.includes(id)))).toEqual([]);
    }
  });

  it("leaves common tags to the row check and keeps rare ones in the index", () => {
    const tags = [
      { id: 1, weight: 5, products: 2_000, meanConfidence: 1 },
      { id: 2, weight: 4, products: 600_000, meanConfidence: 1 },
    ];
    expect(ginConjunctions([[0, 1]], tags, [], PRODUCTS).sets).toEqual([[1]]);
    const rarer = [tags[0]!, { id: 2, weight: 4, products: 3_000, meanConfidence: 1 }];
    expect(ginConjunctions([[0, 1]], rarer, [], PRODUCTS).sets).toEqual([[1, 2]]);
  });

  it("factors the conjunctions into fewer conditions that select exactly the same products", () => {
    const next = seededRandom(3);
    const pick = (count: number, from: number) => [...new Set(Array.from({ length: count }, () => 1 + Math.floor(next() * from)))].sort((a, b) => a - b);
    let before = 0;
    let after = 0;
    for (let round = 0; round < 300; round++) {
      const tagCount = 2 + Math.floor(next() * 10);
      const sets = [...new Map(Array.from({ length: 1 + Math.floor(next() * 25) }, () => pick(1 + Math.floor(next() * 3), tagCount)).map((set) => [set.join(), set])).values()];
      const factored = factorConjunctions(sets);
      const byDnf = (carried: readonly number[]) => sets.some((set) => set.every((id) => carried.includes(id)));
      const byFactored = (carried: readonly number[]) =>
        factored.some(({ all, any }) => all.every((id) => carried.includes(id)) && (any.length === 0 || any.some((id) => carried.includes(id))));
      for (let product = 0; product < 200; product++) {
        const carried = pick(Math.floor(next() * (tagCount + 1)), tagCount);
        expect(byFactored(carried), JSON.stringify({ sets, factored, carried })).toBe(byDnf(carried));
      }
      expect(factored.length).toBeLessThanOrEqual(sets.length);
      before += sets.length;
      after += factored.length;
    }
    // Random sets share less than a photo's pairs do; still, about half as many conditions.
    expect(after).toBeLessThan(before * 0.6);
  });

  it("groups pairs around a shared tag into one condition", () => {
    const sets = [[1, 2], [1, 3], [1, 4], [2, 5], [3, 5], [6]];
    expect(factorConjunctions(sets)).toEqual([
      { all: [1], any: [2, 3, 4] },
      { all: [5], any: [2, 3] },
      { all: [6], any: [] },
    ]);
  });

  it("expects fewer products at higher levels, and guesses downwards to the floor", () => {
    const tags = randomTags(seededRandom(3), 8);
    const levels = expectedAtOrAbove(tags, PRODUCTS);
    for (let index = 1; index < levels.length; index++) {
      expect(levels[index]!.level).toBeLessThan(levels[index - 1]!.level);
      expect(levels[index]!.products).toBeGreaterThanOrEqual(levels[index - 1]!.products);
    }
    const guesses = [...thresholdGuesses(tags, PRODUCTS, 10, 1.5, DEFAULT_PLAN_LIMITS)];
    expect(guesses.at(-1)).toBe(1.5);
    for (let index = 1; index < guesses.length; index++) expect(guesses[index]!).toBeLessThan(guesses[index - 1]!);
  });

  it("expects less of a tag the less sure the tagger usually was of it", () => {
    const tags = randomTags(seededRandom(4), 6).map((tag) => ({ ...tag, meanConfidence: 1 }));
    const hesitant = tags.map((tag) => ({ ...tag, meanConfidence: 0.6 }));
    const [sure] = thresholdGuesses(tags, PRODUCTS, 10, 0, DEFAULT_PLAN_LIMITS);
    const [unsure] = thresholdGuesses(hesitant, PRODUCTS, 10, 0, DEFAULT_PLAN_LIMITS);
    expect(unsure! / sure!).toBeCloseTo(0.8, 1); // halfway between its mean confidence and certainty
  });
});
