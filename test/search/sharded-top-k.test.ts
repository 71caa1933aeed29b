import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localIdfTopK, mergeTopK, shardedTopK, shardOf, shardOfBytes, singleTopK } from "../../bench/sharded-top-k.js";
import type { TagEvidence } from "../../src/analysis/tags.js";
import { numberArrayLiteral, textArrayLiteral } from "../../src/db/sql-arrays.js";
import type { SimilarityOptions } from "../../src/search/similarity-repository.js";
import { createMigratedOrm } from "../support/test-database.js";
import { seededRandom } from "../support/seeded-random.js";

/**
 * bench:shards' coordinator (bench/sharded-top-k.ts) on the test cluster:
 * one database holding every product, and the same products split by id
 * over three shard databases. The merged top k must equal the single
 * database's on every query, ties, filters and thresholds included; and
 * weighing by each shard's own tag counts (local IDF) must not, so dropping
 * the global statistics fails this test.
 */

const SHARDS = 3;
const PRODUCTS = 360;

let single: MikroORM;
let shards: MikroORM[] = [];
const drops: Array<() => Promise<void>> = [];

interface SeededProduct {
  id: string;
  /** ISO 8601, to the microsecond. */
  createdAt: string;
  tags: Map<string, number>;
}
const catalogue: SeededProduct[] = [];

const OBJECTS = Array.from({ length: 12 }, (_, index) => `object:thing${index}`);
const COLOURS = ["red", "blue", "green", "white", "black", "teal"].map((colour) => `color:${colour}`);
const STYLES = ["dark", "bright"].map((style) => `style:${style}`);
const VOCABULARY = [...OBJECTS, ...COLOURS, ...STYLES, "material:wood", "text:acme"];
/**
 * Tags whose share differs from shard to shard, so each shard's own IDF is
 * far from the catalogue's: object:thing11 and color:teal are on most of
 * shard 0's products and few elsewhere; text:acme only on shard 1's.
 */
const SKEWED: Record<string, readonly number[]> = { "object:thing11": [0.7, 0.04, 0.04], "color:teal": [0.6, 0.05, 0.02], "text:acme": [0, 0.3, 0] };
/** Mostly sure, so many products tie on score (and some on their date too). */
const CONFIDENCES = [1, 1, 1, 0.9, 0.5];

function uuid(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Products in one go, their tags through set_product_tags (as the app stores them), in the order given. */
async function addProducts(orm: MikroORM, products: readonly SeededProduct[]): Promise<void> {
  const em = orm.em.fork();
  const values = products.map(() => "(?::uuid, ?::timestamptz, ?::text[], ?::real[])").join(", ");
  const params = products.flatMap((product) => {
    const evidence = [...product.tags].sort(([a], [b]) => (a < b ? -1 : 1));
    return [product.id, product.createdAt, textArrayLiteral(evidence.map(([tag]) => tag)), numberArrayLiteral(evidence.map(([, confidence]) => confidence))];
  });
  await em.execute(`insert into product (id, source_url, created_at) select x.id, 'https://shop.example/' || x.id, x.created_at from (values ${values}) as x(id, created_at, tags, confidences)`, params);
  await em.execute(`select set_product_tags(x.id, x.tags, x.confidences) from (values ${values}) as x(id, created_at, tags, confidences)`, params);
}

beforeAll(async () => {
  const databases = await Promise.all(Array.from({ length: SHARDS + 1 }, () => createMigratedOrm()));
  for (const database of databases) drops.push(async () => (await database.orm.close(), await database.drop()));
  [single, ...shards] = databases.map((database) => database.orm) as [MikroORM, ...MikroORM[]];

  const next = seededRandom(2024);
  // Products share a second, or are a microsecond apart (a JS Date cannot tell): the date and id tie-breaks both count.
  const start = Date.parse("2026-03-01T00:00:00Z");
  for (let index = 0; index < PRODUCTS; index += 1) {
    const id = uuid(next);
    const shard = shardOf(id, SHARDS);
    const tags = new Map<string, number>();
    for (const [tag, shares] of Object.entries(SKEWED)) if (next() < shares[shard]!) tags.set(tag, CONFIDENCES[Math.floor(next() * CONFIDENCES.length)]!);
    const wanted = tags.size + 1 + Math.floor(next() * 4);
    while (tags.size < wanted) {
      const tag = VOCABULARY[Math.floor(next() ** 2 * VOCABULARY.length)]!;
      if (!(tag in SKEWED)) tags.set(tag, CONFIDENCES[Math.floor(next() * CONFIDENCES.length)]!);
    }
    // Four products a second; the second of each four one microsecond later than the others.
    const second = new Date(start + Math.floor(index / 4) * 1000).toISOString();
    catalogue.push({ id, createdAt: second.replace("Z", index % 4 === 1 ? "001Z" : "000Z"), tags });
  }
  // Each database numbers tags as they first come: the shards' ids differ from the single database's.
  await Promise.all([addProducts(single, catalogue), ...shards.map((orm, shard) => addProducts(orm, catalogue.filter((product) => shardOf(product.id, SHARDS) === shard)))]);
  await Promise.all([single, ...shards].map((orm) => orm.em.fork().execute("analyze")));
}, 240_000);

afterAll(async () => {
  await Promise.all(drops.map((drop) => drop()));
});

const noFilters = { requiredTags: [], createdAfter: null, attributes: {} };

function randomQuery(next: () => number): TagEvidence[] {
  const evidence = new Map<string, number>();
  const count = 1 + Math.floor(next() * 5);
  while (evidence.size < count) {
    const tag = next() < 0.35 ? Object.keys(SKEWED)[Math.floor(next() * 3)]! : VOCABULARY[Math.floor(next() * VOCABULARY.length)]!;
    evidence.set(tag, next() < 0.8 ? 1 : 0.6);
  }
  return [...evidence].map(([tag, confidence]) => ({ tag, confidence }));
}

function randomOptions(next: () => number, round: number): SimilarityOptions {
  return {
    limit: [1, 3, 5, 10, 25, 60][round % 6]!,
    minScore: round % 7 === 0 ? 0.4 : 0,
    excludeProductId: round % 11 === 0 ? catalogue[Math.floor(next() * catalogue.length)]!.id : null,
    filters: {
      requiredTags: round % 9 === 0 ? [COLOURS[Math.floor(next() * 3)]!] : [],
      createdAfter: round % 8 === 0 ? new Date(catalogue[Math.floor(next() * catalogue.length)]!.createdAt) : null,
      attributes: {},
    },
  };
}

describe("sharded exact top-k (bench:shards' coordinator)", () => {
  it("puts every product on one shard, the same one for the string and the bytes of its id", () => {
    const counts = [0, 0, 0];
    for (const { id } of catalogue) {
      const shard = shardOf(id, SHARDS);
      counts[shard]! += 1;
      expect(shardOfBytes(Buffer.from(id.toUpperCase()), 0, id.length, SHARDS)).toBe(shard);
    }
    for (const count of counts) expect(count).toBeGreaterThan(PRODUCTS / SHARDS / 2);
    // Pinned: a product never moves between runs, processes or versions of this code.
    expect(shardOf("00000000-0000-4000-8000-000000000000", 4)).toBe(shardOf("00000000000040008000000000000000", 4));
    expect([0, 1, 2, 3, 4, 5].map((index) => shardOf(`${index}0000000-0000-4000-8000-000000000000`, 4))).toEqual(PINNED_SHARDS);
  });

  it("the shards' tag ids differ from the single database's (the coordinator never mixes them)", async () => {
    const ids = async (orm: MikroORM) =>
      new Map((await orm.em.fork().execute<Array<{ tag: string; id: number }>>("select tag, id from tag_stats")).map((row) => [row.tag, row.id]));
    const reference = await ids(single);
    const differing = (await Promise.all(shards.map(ids))).some((shardIds) => [...shardIds].some(([tag, id]) => reference.get(tag) !== id));
    expect(differing).toBe(true);
  });

  it("global statistics: the shards' counts add up to the single database's, and weigh every query the same", async () => {
    const next = seededRandom(5);
    for (let round = 0; round < 20; round += 1) {
      const evidence = randomQuery(next);
      const options = { limit: 5, minScore: 0, excludeProductId: null, filters: noFilters };
      const [reference, sharded] = await Promise.all([singleTopK(single, evidence, options), shardedTopK(shards, evidence, options)]);
      expect(sharded.weighted).toEqual(reference.weighted);
    }
  });

  it("the merged top k equals the single database's on many queries, ties, filters and thresholds included", async () => {
    const next = seededRandom(77);
    let crossShardTies = 0;
    let nonEmpty = 0;
    for (let round = 0; round < 150; round += 1) {
      const evidence = randomQuery(next);
      const options = randomOptions(next, round);
      const [reference, sharded] = await Promise.all([singleTopK(single, evidence, options), shardedTopK(shards, evidence, options)]);
      const context = `round ${round}: ${JSON.stringify({ evidence, options })}`;
      expect(sharded.rows.map((row) => row.product_id), context).toEqual(reference.rows.map((row) => row.product_id));
      sharded.rows.forEach((row, index) => expect(Math.abs(row.score - reference.rows[index]!.score), context).toBeLessThanOrEqual(1e-9));
      if (sharded.tieLookups > 0) crossShardTies += 1;
      if (reference.rows.length > 0) nonEmpty += 1;
    }
    // The case the merge reads dates for was really met, many times; and most queries found products.
    expect(crossShardTies).toBeGreaterThan(20);
    expect(nonEmpty).toBeGreaterThan(120);
  });

  it("each shard's own IDF (no global statistics) gives a different top k on some queries", async () => {
    const next = seededRandom(31);
    let differing = 0;
    for (let round = 0; round < 60; round += 1) {
      const evidence = randomQuery(next);
      const options = { limit: 10, minScore: 0, excludeProductId: null, filters: noFilters };
      const reference = await singleTopK(single, evidence, options);
      const local = await localIdfTopK(shards, evidence, options);
      if (local.map((row) => row.product_id).join() !== reference.rows.map((row) => row.product_id).join()) differing += 1;
    }
    expect(differing).toBeGreaterThan(0);
  });

  it("merging: equal scores across shards go to the newest product, then the greatest id; one shard's order is kept", async () => {
    const byDate = [...catalogue].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    // Products of every shard, all given one score: the merge must order them as one database would.
    const perShard = shards.map((_, shard) => byDate.filter((product) => shardOf(product.id, SHARDS) === shard).map((product) => ({ product_id: product.id, score: 2.5 })));
    const { rows, tieLookups } = await mergeTopK(shards, perShard, 12);
    expect(rows.map((row) => row.product_id)).toEqual(byDate.slice(0, 12).map((product) => product.id));
    expect(tieLookups).toBeGreaterThan(0);
    // Distinct scores need no lookup.
    const distinct = perShard.map((answer, shard) => answer.slice(0, 3).map((row, place) => ({ ...row, score: 10 - shard - place * 3 })));
    const merged = await mergeTopK(shards, distinct, 4);
    expect(merged.tieLookups).toBe(0);
    expect(merged.rows.map((row) => row.score)).toEqual([10, 9, 8, 7]);
  });
});

/** shardOf of `${n}0000000-0000-4000-8000-000000000000` over 4 shards, n = 0…5, as first computed. */
const PINNED_SHARDS = [1, 0, 3, 2, 1, 0];
