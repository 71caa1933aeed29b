import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductRepository, SIMILAR_BY_TAG_OVERLAP, textArrayLiteral } from "../../src/catalog/product-repository.js";
import { createOrm, migrate } from "../../src/db/orm.js";
import { createTestDatabase } from "../support/test-database.js";

/** The scoring SQL against a brute-force scorer in JS, on a seeded random catalogue. */

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
const catalogue: Array<{ id: string; tags: string[]; createdAt: Date }> = [];

function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const VOCABULARY = Array.from({ length: 40 }, (_, index) => `object:thing${index}`).concat(
  ["red", "blue", "green", "white", "black"].map((colour) => `color:${colour}`),
);

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  orm = await createOrm({ url: database.url, poolMax: 2, log: () => {} });
  await migrate(orm);
  const next = random(42);
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let index = 0; index < 400; index += 1) {
    const tags = [...new Set(Array.from({ length: 1 + Math.floor(next() * 6) }, () => VOCABULARY[Math.floor(next() ** 2 * VOCABULARY.length)]!))].sort();
    // Some products share a timestamp, so the id tie-break is exercised too.
    catalogue.push({ id: randomUUID(), tags, createdAt: new Date(start + Math.floor(index / 3) * 1000) });
  }
  await orm.em.getConnection().execute(
    `insert into product (id, source_url, tags, created_at)
     select r.id, 'https://shop.example/' || r.id, array(select jsonb_array_elements_text(r.tags)), r.created_at
     from jsonb_to_recordset(?::jsonb) as r(id uuid, tags jsonb, created_at timestamptz)`,
    [JSON.stringify(catalogue.map((product) => ({ id: product.id, tags: product.tags, created_at: product.createdAt.toISOString() })))],
  );
  await orm.em.getConnection().execute("analyze product");
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

function bruteForce(query: string[], limit: number) {
  const wanted = new Set(query);
  return catalogue
    .map((product) => ({ product, matched: product.tags.filter((tag) => wanted.has(tag)) }))
    .filter(({ matched }) => matched.length > 0)
    .sort(
      (a, b) =>
        b.matched.length - a.matched.length ||
        b.product.createdAt.getTime() - a.product.createdAt.getTime() ||
        (a.product.id < b.product.id ? 1 : -1),
    )
    .slice(0, limit)
    .map(({ product, matched }) => ({ id: product.id, score: matched.length, matchedTags: matched }));
}

describe("tag overlap scoring", () => {
  it("returns exactly the brute-force top-k, ties included, across many random queries", async () => {
    const next = random(7);
    for (let round = 0; round < 60; round += 1) {
      const query = [...new Set(Array.from({ length: 1 + Math.floor(next() * 6) }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!))];
      const limit = 1 + Math.floor(next() * 20);
      const found = await new ProductRepository(orm.em.fork()).findByTagOverlap(query, limit);
      const actual = found.map((match) => ({ id: match.product.id, score: match.score, matchedTags: match.matchedTags }));
      expect(actual, `query ${query.join(",")} limit ${limit}`).toEqual(bruteForce(query, limit));
    }
  });

  it("takes tags with quotes, commas, braces and backslashes as they are", async () => {
    const odd = [`text:say "hi"`, "text:a,b", "text:{x}", "text:back\\slash", "text:it's"];
    const id = randomUUID();
    await orm.em.getConnection().execute(
      `insert into product (id, source_url, tags, created_at) values (?, 'https://shop.example/odd', ?::text[], now())`,
      [id, textArrayLiteral(odd)],
    );
    for (const tag of odd) {
      const [match] = await new ProductRepository(orm.em.fork()).findByTagOverlap([tag], 1);
      expect(match?.product.id, tag).toBe(id);
      expect(match?.matchedTags).toEqual([tag]);
    }
    await orm.em.getConnection().execute("delete from product where id = ?", [id]);
  });

  it("is served by the GIN index on tags", async () => {
    const plan = await orm.em.fork().transactional(async (em) => {
      await em.execute("set local enable_seqscan = off"); // the tiny table would otherwise be read whole
      const query = textArrayLiteral(["object:thing1"]);
      return em.execute<Array<{ "QUERY PLAN": string }>>(`explain ${SIMILAR_BY_TAG_OVERLAP}`, [query, query, 10, query]);
    });
    expect(plan.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(/Bitmap Index Scan on product_tags_gin/);
  });
});
