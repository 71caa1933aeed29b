import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimilarityRepository, UNPRUNED_SIMILAR_PRODUCTS, type SimilarityFilters } from "../../src/search/similarity-repository.js";
import { numberArrayLiteral, textArrayLiteral } from "../../src/db/sql-arrays.js";
import { weighQuery } from "../../src/search/tag-weights.js";
import { DEFAULT_PLAN_LIMITS, type PlanLimits } from "../../src/search/top-k-plan.js";
import { migrate } from "../../src/db/orm.js";
import { migrateDownThrough } from "../support/migrate-down.js";
import { createMigratedOrm } from "../support/test-database.js";
import { seededRandom } from "../support/seeded-random.js";
import { PhotoFeaturesRepository } from "../../src/catalog/photo-features-repository.js";

/**
 * The exact top-k (SimilarityRepository.rank: planned guesses, and the
 * pruned similar_products function it falls back to) against a brute-force scorer written
 * in JS, on a seeded random catalogue with a skewed tag distribution: the
 * results must be exactly equal, ties, filters and thresholds included.
 */

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
interface SeededProduct {
  id: string;
  createdAt: Date;
  tags: Map<string, number>;
  attributes: Record<string, string>;
}
const catalogue: SeededProduct[] = [];

const VOCABULARY = [
  ...Array.from({ length: 60 }, (_, index) => `object:thing${index}`),
  ...["red", "blue", "green", "white", "black", "brown", "gray"].map((colour) => `color:${colour}`),
  ...["wood", "metal", "glass"].map((material) => `material:${material}`),
  ...["colorful", "dark", "bright"].map((style) => `style:${style}`),
];
/** Skewed: low indexes are common, high ones rare. */
const draw = (next: () => number) => VOCABULARY[Math.floor(next() ** 2.5 * VOCABULARY.length)]!;
const CONFIDENCES = [1, 0.9, 0.75, 0.5, 0.3];
const SIZES = ["S", "M", "L"];
const BRANDS = ["acme", "globex"];

beforeAll(async () => {
  ({ orm, drop: dropDatabase } = await createMigratedOrm());
  const next = seededRandom(42);
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let index = 0; index < 600; index += 1) {
    const tags = new Map<string, number>();
    const count = 2 + Math.floor(next() * 7);
    while (tags.size < count) tags.set(draw(next), CONFIDENCES[Math.floor(next() * CONFIDENCES.length)]!);
    // Some products have no attributes, so a filter also leaves out products lacking the name.
    const attributes: Record<string, string> = index % 7 === 0 ? {} : { size: SIZES[index % SIZES.length]!, brand: BRANDS[Math.floor(index / 3) % BRANDS.length]! };
    // Some products share a timestamp, so the id tie-break is exercised too.
    catalogue.push({ id: randomUUID(), createdAt: new Date(start + Math.floor(index / 3) * 1000), tags, attributes });
  }
  const em = orm.em.fork();
  for (const product of catalogue) {
    await em.execute("insert into product (id, source_url, created_at, attributes) values (?, ?, ?, ?::jsonb)", [
      product.id,
      `https://shop.example/${product.id}`,
      product.createdAt.toISOString(),
      JSON.stringify(product.attributes),
    ]);
    const evidence = [...product.tags].map(([tag, confidence]) => ({ tag, confidence })).sort((a, b) => (a.tag < b.tag ? -1 : 1));
    await new PhotoFeaturesRepository(em).setProductTags(product.id, evidence);
  }
  await em.execute("analyze");
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

/** Every product scored in plain JS: the reference. */
function bruteForce(query: ReturnType<typeof weighQuery>, limit: number, minScore: number, filters: SimilarityFilters, exclude: string | null) {
  return catalogue
    .filter((product) => product.id !== exclude)
    .filter((product) => filters.requiredTags.every((tag) => product.tags.has(tag)))
    .filter((product) => !filters.createdAfter || product.createdAt > filters.createdAfter)
    .filter((product) => Object.entries(filters.attributes).every(([name, value]) => product.attributes[name] === value))
    .map((product) => ({
      product,
      // Confidences are stored as float4, as Math.fround rounds them.
      raw: query.tags.reduce((sum, { tag, weight }) => sum + weight * Math.fround(product.tags.get(tag) ?? 0), 0),
    }))
    .filter(({ raw, product }) => raw > 0 && query.tags.some(({ tag }) => product.tags.has(tag)))
    .filter(({ raw }) => raw >= minScore * query.total - 1e-9)
    .sort((a, b) => b.raw - a.raw || b.product.createdAt.getTime() - a.product.createdAt.getTime() || (a.product.id < b.product.id ? 1 : -1))
    .slice(0, limit)
    .map(({ product, raw }) => ({ id: product.id, score: raw / query.total }));
}

async function randomQuery(next: () => number) {
  const evidence = new Map<string, number>();
  const count = 1 + Math.floor(next() * 7);
  while (evidence.size < count) evidence.set(next() < 0.5 ? draw(next) : VOCABULARY[Math.floor(next() * VOCABULARY.length)]!, CONFIDENCES[Math.floor(next() * 3)]!);
  const repository = new SimilarityRepository(orm.em.fork());
  const stats = await repository.tagStats([...evidence.keys()]);
  const query = weighQuery(
    [...evidence].map(([tag, confidence]) => ({ tag, confidence })),
    stats.productCount,
    stats.productsWith,
  );
  return { repository, stats, query };
}

const noFilters: SimilarityFilters = { requiredTags: [], createdAfter: null, attributes: {} };
/** None, one pair, two pairs (both must hold), and a value no product has. */
const ATTRIBUTE_FILTERS: Array<Record<string, string>> = [{}, { size: "M" }, { size: "L", brand: "acme" }, { brand: "initech" }];

describe("weighted tag similarity", () => {
  /**
   * Each way rank can go: planned guesses as configured, guesses far too
   * high (so most queries retry lower), guesses far too low (wide but
   * exact), and the term-at-a-time SQL function the plan falls back to.
   */
  const modes: Array<{ mode: string; limits: PlanLimits; attempts: (all: number[]) => boolean }> = [
    { mode: "planned", limits: DEFAULT_PLAN_LIMITS, attempts: (all) => all.every((n) => n >= 1) },
    { mode: "planned, guessing too high", limits: { ...DEFAULT_PLAN_LIMITS, overshoot: 0.001, widening: 1.5 }, attempts: (all) => all.some((n) => n >= 3) },
    { mode: "planned, guessing too low", limits: { ...DEFAULT_PLAN_LIMITS, overshoot: 1e6 }, attempts: (all) => all.every((n) => n >= 1) },
    { mode: "planned, without the maximum-ties step", limits: { ...DEFAULT_PLAN_LIMITS, maximumTies: false }, attempts: (all) => all.every((n) => n >= 1) },
    { mode: "pruned SQL function", limits: { ...DEFAULT_PLAN_LIMITS, maxCandidates: -1, maximumTies: false }, attempts: (all) => all.every((n) => n === 0) },
  ];

  describe.each(modes)("$mode", ({ limits, attempts }) => {
    it("returns exactly the brute-force top-k, ties included, across many random queries", async () => {
      const next = seededRandom(7);
      const tried: number[] = [];
      for (let round = 0; round < 150; round += 1) {
        const { repository, stats, query } = await randomQuery(next);
        const limit = 1 + Math.floor(next() * 15);
        const found = await repository.rank(query, stats, { limit, minScore: 0, excludeProductId: null, filters: noFilters }, limits);
        const expected = bruteForce(query, limit, 0, noFilters, null);
        expect(found.rows.map((row) => row.product_id), `round ${round}: ${JSON.stringify(query)}`).toEqual(expected.map((item) => item.id));
        found.rows.forEach((row, index) => expect(Number(row.score) / query.total).toBeCloseTo(expected[index]!.score, 6));
        tried.push(found.attempts);
      }
      expect(attempts(tried), `attempts: ${tried.join(" ")}`).toBe(true);
    });

    it("honours minScore, filters and an excluded product exactly", async () => {
      const next = seededRandom(99);
      let filteredByAttributes = 0;
      for (let round = 0; round < 60; round += 1) {
        const { repository, query } = await randomQuery(next);
        const minScore = [0, 0.2, 0.5, 0.8][round % 4]!;
        const filters: SimilarityFilters = {
          requiredTags: round % 3 === 0 ? [draw(next)] : [],
          createdAfter: round % 2 === 0 ? new Date(catalogue[Math.floor(next() * catalogue.length)]!.createdAt) : null,
          attributes: ATTRIBUTE_FILTERS[Math.floor(round / 4) % ATTRIBUTE_FILTERS.length]!,
        };
        const exclude = round % 5 === 0 ? catalogue[Math.floor(next() * catalogue.length)]!.id : null;
        const stats = await repository.tagStats([...query.tags.map(({ tag }) => tag), ...filters.requiredTags]);
        const found = await repository.rank(query, stats, { limit: 10, minScore, excludeProductId: exclude, filters }, limits);
        expect(found.rows.map((row) => row.product_id), `round ${round}`).toEqual(bruteForce(query, 10, minScore, filters, exclude).map((item) => item.id));
        expect(found.rows.every((row) => Number(row.score) >= minScore * query.total - 1e-9)).toBe(true);
        if (Object.keys(filters.attributes).length > 0 && found.rows.length > 0) filteredByAttributes += 1;
      }
      // The attribute filters kept some products, so the comparison was not only of empty results.
      expect(filteredByAttributes).toBeGreaterThan(5);
    });
  });

  it("the pruned SQL function filters attributes within its search: a full top k of matching products", async () => {
    const fallback = { ...DEFAULT_PLAN_LIMITS, maxCandidates: -1, maximumTies: false };
    const filters: SimilarityFilters = { ...noFilters, attributes: { size: "M", brand: "globex" } };
    const matching = new Set(catalogue.filter((product) => product.attributes.size === "M" && product.attributes.brand === "globex").map((product) => product.id));
    const next = seededRandom(23);
    let fullerThanFilteringAfter = 0;
    for (let round = 0; round < 10; round += 1) {
      const { repository, stats, query } = await randomQuery(next);
      const found = await repository.rank(query, stats, { limit: 5, minScore: 0, excludeProductId: null, filters }, fallback);
      expect(found.attempts).toBe(0);
      const expected = bruteForce(query, 5, 0, filters, null);
      expect(found.rows.map((row) => row.product_id), `round ${round}`).toEqual(expected.map((item) => item.id));
      expect(found.rows.every((row) => matching.has(row.product_id))).toBe(true);
      // Filtering the unfiltered top k afterwards would have left fewer.
      const filteredAfter = bruteForce(query, 5, 0, noFilters, null).filter((item) => matching.has(item.id));
      if (found.rows.length > filteredAfter.length) fullerThanFilteringAfter += 1;
    }
    expect(fullerThanFilteringAfter).toBeGreaterThan(0);
  });

  it("answers from the newest products tied at the maximum score when k of them exist, by either read, and from the guesses when not", async () => {
    const repository = new SimilarityRepository(orm.em.fork());
    const reads = new Map<string, number>();
    const middle = catalogue[Math.floor(catalogue.length / 2)]!.createdAt;
    const newest = [...catalogue].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    const filterCases: Array<{ filters: SimilarityFilters; exclude: (tags: string[]) => string | null }> = [
      { filters: noFilters, exclude: () => null },
      { filters: { ...noFilters, attributes: { size: "M" } }, exclude: () => null },
      { filters: { ...noFilters, createdAfter: middle }, exclude: () => null },
      { filters: { ...noFilters, requiredTags: ["color:red"] }, exclude: () => null },
      // The newest product carrying every query tag surely: the tie's first, excluded.
      { filters: noFilters, exclude: (tags) => newest.find((product) => tags.every((tag) => product.tags.get(tag) === 1))?.id ?? null },
    ];
    // The default; the carriers only; a walk too short for most tags (the carriers after it); the walk whenever ties are expected, whatever its length.
    for (const limits of [DEFAULT_PLAN_LIMITS, { ...DEFAULT_PLAN_LIMITS, tieWalkRows: 0 }, { ...DEFAULT_PLAN_LIMITS, tieWalkRows: 30 }, { ...DEFAULT_PLAN_LIMITS, tieWalkRows: 1_000_000_000 }]) {
      for (const tags of [["object:thing0"], ["object:thing0", "object:thing1"], ["color:red"], ["object:thing0", "object:thing59"], ["object:thing2"], ["object:thing0", "color:red"]]) {
        const stats = await repository.tagStats([...tags, "color:red"]);
        const query = weighQuery(tags.map((tag) => ({ tag, confidence: 1 })), stats.productCount, stats.productsWith);
        for (const limit of [1, 5, 15]) {
          for (const { filters, exclude } of filterCases) {
            const excluded = exclude(tags);
            const found = await repository.rank(query, stats, { limit, minScore: 0, excludeProductId: excluded, filters }, limits);
            const expected = bruteForce(query, limit, 0, filters, excluded);
            const label = JSON.stringify({ tags, limit, filters, excluded, tieWalkRows: limits.tieWalkRows });
            expect(found.rows.map((row) => row.product_id), label).toEqual(expected.map((item) => item.id));
            found.rows.forEach((row, index) => expect(Number(row.score) / query.total, label).toBeCloseTo(expected[index]!.score, 12));
            const read = found.tiedAtMaximum ?? "guesses";
            reads.set(read, (reads.get(read) ?? 0) + 1);
          }
        }
      }
    }
    // Each way was taken, each compared with the brute force.
    expect(reads.get("walk")).toBeGreaterThan(10);
    expect(reads.get("carriers")).toBeGreaterThan(10);
    expect(reads.get("guesses")).toBeGreaterThan(10);
  });

  it("findSimilar returns rank's products, in rank's order", async () => {
    const next = seededRandom(5);
    for (let round = 0; round < 10; round += 1) {
      const { repository, stats, query } = await randomQuery(next);
      const options = { limit: 10, minScore: 0, excludeProductId: null, filters: noFilters };
      const ranked = await repository.rank(query, stats, options);
      const found = await repository.findSimilar(query, stats, options);
      expect(found.map((match) => match.product.id)).toEqual(ranked.rows.map((row) => row.product_id));
    }
  });

  it("explains each score by its matched tags' contributions", async () => {
    const { repository, stats, query } = await randomQuery(seededRandom(3));
    const [best] = await repository.findSimilar(query, stats, { limit: 1, minScore: 0, excludeProductId: null, filters: noFilters });
    expect(best).toBeDefined();
    const total = best!.contributions.reduce((sum, item) => sum + item.share, 0);
    expect(total).toBeCloseTo(best!.score, 9);
    expect(best!.matchedTags).toEqual(best!.contributions.map((item) => item.tag).sort());
  });

  it("the unpruned SQL baseline agrees with the pruned search", async () => {
    const next = seededRandom(11);
    for (let round = 0; round < 20; round += 1) {
      const { repository, stats, query } = await randomQuery(next);
      const known = query.tags.filter(({ tag }) => stats.idOf(tag) !== undefined);
      const rows = await orm.em.fork().execute<Array<{ product_id: string }>>(UNPRUNED_SIMILAR_PRODUCTS, [
        numberArrayLiteral(known.map(({ tag }) => stats.idOf(tag)!)),
        numberArrayLiteral(known.map(({ weight }) => weight)),
        0,
        10,
      ]);
      const found = await repository.findSimilar(query, stats, { limit: 10, minScore: 0, excludeProductId: null, filters: noFilters });
      expect(found.map((match) => match.product.id)).toEqual(rows.map((row) => row.product_id));
    }
  });

  it("keeps tag statistics current as products gain, change and lose tags", async () => {
    const em = orm.em.fork();
    const id = randomUUID();
    const count = async (tag: string) => (await new SimilarityRepository(em).tagStats([tag])).productsWith(tag);
    const before = await count("object:thing0");
    const products = (await new SimilarityRepository(em).tagStats([])).productCount;
    await em.execute("insert into product (id, source_url, created_at) values (?, ?, now())", [id, `https://shop.example/stats/${id}`]);
    await new PhotoFeaturesRepository(em).setProductTags(id, [{ tag: "object:thing0", confidence: 1 }, { tag: "text:once", confidence: 1 }]);
    expect(await count("object:thing0")).toBe(before + 1);
    const mean = async (tag: string) => (await new SimilarityRepository(em).tagStats([tag])).meanConfidence(tag);
    expect(await mean("text:once")).toBe(1);
    expect((await new SimilarityRepository(em).tagStats([])).productCount).toBe(products + 1);
    await new PhotoFeaturesRepository(em).setProductTags(id, [{ tag: "text:once", confidence: 0.5 }]);
    expect(await count("object:thing0")).toBe(before);
    expect(await mean("text:once")).toBe(0.5); // an update of the confidence counts too
    await em.execute("delete from product where id = ?", [id]);
    expect(await count("text:once")).toBe(0);
    expect((await new SimilarityRepository(em).tagStats([])).productCount).toBe(products);
  });

  it("takes tags with quotes, commas, braces and backslashes as they are", async () => {
    const em = orm.em.fork();
    const odd = [`text:say "hi"`, "text:a,b", "text:{x}", "text:back\\slash", "text:it's"];
    const id = randomUUID();
    await em.execute("insert into product (id, source_url, created_at) values (?, 'https://shop.example/odd', now())", [id]);
    await new PhotoFeaturesRepository(em).setProductTags(id, odd.map((tag) => ({ tag, confidence: 1 })));
    for (const tag of odd) {
      const repository = new SimilarityRepository(orm.em.fork());
      const stats = await repository.tagStats([tag]);
      const query = weighQuery([{ tag, confidence: 1 }], stats.productCount, stats.productsWith);
      const [match] = await repository.findSimilar(query, stats, { limit: 1, minScore: 0, excludeProductId: null, filters: noFilters });
      expect(match?.product.id, tag).toBe(id);
      expect(match?.matchedTags).toEqual([tag]);
    }
    await em.execute("delete from product where id = ?", [id]);
    expect(textArrayLiteral(odd)).toContain('\\"hi\\"');
  });

  it("reads each query tag's list through the inverted index", async () => {
    const plan = await orm.em.fork().transactional(async (em) => {
      await em.execute("set local enable_seqscan = off"); // the small table would otherwise be read whole
      return em.execute<Array<{ "QUERY PLAN": string }>>(
        `explain select pt.product_id from product_tag pt where pt.tag_id = any(?::int[])`,
        [numberArrayLiteral([1, 2])],
      );
    });
    expect(plan.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(/(Index|Index Only|Bitmap Index) Scan (using|on) product_tag_pkey/);
  });

  it("reverting the attribute-filter migration restores similar_products without the filter", async () => {
    await migrateDownThrough(orm, "Migration20261206000000_attribute_filter");
    try {
      const { stats, query } = await randomQuery(seededRandom(31));
      const known = query.tags.filter(({ tag }) => stats.idOf(tag) !== undefined);
      const rows = await orm.em.fork().execute<Array<{ product_id: string }>>(
        "select product_id from similar_products(?::int[], ?::float8[], 10, 0, null, null, null)",
        [numberArrayLiteral(known.map(({ tag }) => stats.idOf(tag)!)), numberArrayLiteral(known.map(({ weight }) => weight))],
      );
      expect(rows.map((row) => row.product_id)).toEqual(bruteForce(query, 10, 0, noFilters, null).map((item) => item.id));
    } finally {
      await migrate(orm);
    }
  });

  it("fills in the confidence sums of existing tags when the tag-confidence migration runs", async () => {
    await migrateDownThrough(orm, "Migration20261122060000_tag_confidence");
    await migrate(orm);
    const tag = "color:red";
    const carrying = catalogue.filter((product) => product.tags.has(tag));
    const expected = carrying.reduce((sum, product) => sum + Math.fround(product.tags.get(tag)!), 0) / carrying.length;
    const stats = await new SimilarityRepository(orm.em.fork()).tagStats([tag]);
    expect(stats.meanConfidence(tag)).toBeCloseTo(expected, 6);
  });
});
