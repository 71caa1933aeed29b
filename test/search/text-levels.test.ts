import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Product } from "../../src/catalog/product.entity.js";
import { PhotoFeaturesRepository } from "../../src/catalog/photo-features-repository.js";
import { TextSearchRepository } from "../../src/search/text-search.js";
import type { SimilarityFilters } from "../../src/search/similarity-repository.js";
import { levelQueries, MAX_COUNTED_WORDS } from "../../src/search/word-levels.js";
import { mulberry32 } from "../../src/seeded-random.js";
import { createMigratedOrm } from "../support/test-database.js";

/**
 * Full-text ranking by word levels (word-levels.ts): the statement, which
 * stops at each level's newest `limit`, against a brute force that asks
 * PostgreSQL which products match each word alone and ranks all of them in
 * JS. Random documents, random queries, with and without filters.
 */

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
interface Stored {
  id: string;
  createdAt: number;
  tags: string[];
  brand: string;
}
const stored: Stored[] = [];
const NO_FILTERS: SimilarityFilters = { requiredTags: [], createdAfter: null, attributes: {} };
const COLOURS = ["red", "blue", "white", "black"];
const OBJECTS = ["cup", "lamp", "t-shirt", "vase", "chair"];
const CAPTION_WORDS = ["cups", "sunny", "windowsill", "the", "handmade", "shirt", "red", "lamp", "oak", "mugs"];
const QUERY_WORDS = [...COLOURS, ...OBJECTS, ...CAPTION_WORDS, "mug", "nothing", "an"];

beforeAll(async () => {
  ({ orm, drop: dropDatabase } = await createMigratedOrm());
  const random = mulberry32(7);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const em = orm.em.fork();
  const base = Date.parse("2026-01-01T00:00:00Z");
  for (let index = 0; index < 240; index++) {
    const product = new Product(`https://shop.example/products/item-${index}`);
    // Whole hours apart, some products sharing one: ties fall to the id.
    product.createdAt = new Date(base + Math.floor(random() * 120) * 3_600_000);
    product.attributes = { brand: pick(["acme", "globex"]) };
    product.caption = Array.from({ length: Math.floor(random() * 4) }, () => pick(CAPTION_WORDS)).join(" ") || null;
    await em.persist(product).flush();
    const tags = [...new Set([`color:${pick(COLOURS)}`, `object:${pick(OBJECTS)}`, ...(random() < 0.3 ? [`color:${pick(COLOURS)}`] : [])])];
    await new PhotoFeaturesRepository(em).setProductTags(product.id, tags.map((tag) => ({ tag, confidence: 1 })));
    stored.push({ id: product.id, createdAt: product.createdAt.getTime(), tags, brand: product.attributes.brand! });
  }
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

/** Each distinct word query's matching products, asked one word at a time with no limit; ranked in JS. */
async function bruteForce(words: readonly string[], limit: number, filters: SimilarityFilters): Promise<string[]> {
  const em = orm.em.fork();
  const queries = new Set<string>();
  for (const word of words) {
    const [row] = await em.execute<Array<{ query: string }>>("select plainto_tsquery('english', ?)::text as query", [word]);
    if (row!.query !== "") queries.add(row!.query);
  }
  const level = new Map<string, number>();
  for (const query of [...queries].slice(0, MAX_COUNTED_WORDS)) {
    const rows = await em.execute<Array<{ id: string }>>("select id from product where search_document @@ ?::tsquery", [query]);
    for (const { id } of rows) level.set(id, (level.get(id) ?? 0) + 1);
  }
  return stored
    .filter((product) => level.has(product.id))
    .filter((product) => filters.createdAfter === null || product.createdAt > filters.createdAfter.getTime())
    .filter((product) => !filters.attributes.brand || product.brand === filters.attributes.brand)
    .filter((product) => filters.requiredTags.every((tag) => product.tags.includes(tag)))
    .sort((a, b) => level.get(b.id)! - level.get(a.id)! || b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .slice(0, limit)
    .map((product) => product.id);
}

const search = async (words: string[], limit: number, filters = NO_FILTERS) =>
  new TextSearchRepository(orm.em.fork()).searchText(words, limit, filters);

describe("full-text ranking by word levels", () => {
  it("builds one tsquery per level, all words first, each word once, stop words dropped", () => {
    expect(levelQueries(["'red'", "'cup'", "'red'", "", "'t-shirt' & 'shirt'"])).toEqual([
      { level: 3, query: "(('red') & ('cup') & ('t-shirt' & 'shirt'))" },
      { level: 2, query: "(('red') & ('cup')) | (('red') & ('t-shirt' & 'shirt')) | (('cup') & ('t-shirt' & 'shirt'))" },
      { level: 1, query: "(('red')) | (('cup')) | (('t-shirt' & 'shirt'))" },
    ]);
    expect(levelQueries(["", " "])).toEqual([]);
    expect(levelQueries(Array.from({ length: 9 }, (_, index) => `'w${index}'`))[0]!.level).toBe(MAX_COUNTED_WORDS);
  });

  it("equals the brute force on random queries and limits, with and without filters", async () => {
    const random = mulberry32(11);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    let compared = 0;
    for (let round = 0; round < 60; round++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(QUERY_WORDS));
      const limit = pick([1, 5, 20, 60]);
      const filters: SimilarityFilters = {
        requiredTags: round % 4 === 1 ? [`color:${pick(COLOURS)}`] : [],
        createdAfter: round % 4 === 2 ? new Date(Date.parse("2026-01-01T00:00:00Z") + Math.floor(random() * 120) * 3_600_000) : null,
        attributes: round % 4 === 3 ? { brand: pick(["acme", "globex"]) } : {},
      };
      const expected = await bruteForce(words, limit, filters);
      expect(await search(words, limit, filters), JSON.stringify({ words, limit, filters })).toEqual(expected);
      if (expected.length > 0) compared++;
    }
    // Most rounds found something, so the comparison was not between empty lists.
    expect(compared).toBeGreaterThan(40);
  });

  it("ranks every product matching both words above those matching one, and words that stem alike count once", async () => {
    const ranked = await search(["red", "lamp"], 60);
    const matchingBoth = new Set(
      (await orm.em.fork().execute<Array<{ id: string }>>("select id from product where search_document @@ to_tsquery('english', 'red & lamp')")).map((row) => row.id),
    );
    const flags = ranked.map((id) => matchingBoth.has(id));
    expect(flags).toContain(true);
    expect(flags).toContain(false);
    expect(flags.slice(flags.indexOf(false))).not.toContain(true);
    expect(await search(["cup", "cups"], 60)).toEqual(await search(["cup"], 60));
    expect(await search(["the", "an"], 10)).toEqual([]);
  });
});
