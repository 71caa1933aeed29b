import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrm, migrate } from "../../src/db/orm.js";
import { migrateDownThrough } from "../support/migrate-down.js";
import { createTestDatabase, withClient } from "../support/test-database.js";
import { catalogEntities } from "../../src/catalog/entities.js";

/**
 * The no_unidentified_tag migration takes the placeholder object tags off
 * products stored before it, keeping tag_stats and the search document right,
 * and its way back gives the local panel's tag back.
 */

const MIGRATION = "Migration20261130010000_no_unidentified_tag";
const UNIDENTIFIED = "object:unidentified object";

let orm: MikroORM;
let databaseUrl: string;
let dropDatabase: () => Promise<void>;
const ids = { photo: randomUUID(), llm: randomUUID(), plain: randomUUID() };

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  withClient(databaseUrl, async (client) => (await client.query(text, params)).rows as T[]);

async function addProduct(id: string, name: string, tags: Record<string, number>, objectTypes: string[]) {
  await sql("insert into product (id, source_url) values ($1, $2)", [id, `https://shop.example/products/${name}`]);
  await sql("select set_product_tags($1, $2::text[], $3::real[])", [id, Object.keys(tags), Object.values(tags)]);
  const features = {
    main_objects: objectTypes.map((object_type) => ({ object_type, confidence: null, source: null, box: null, attributes: [] })),
    overall_style: [],
    caption: null,
  };
  await sql(
    `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, features)
     values ($1, $2, $3, 'image/png', 10, 10, 100, $4, $5)`,
    [randomUUID(), id, `${name}.png`, randomUUID().replaceAll("-", "").repeat(2), JSON.stringify(features)],
  );
}

const tagsOf = async (id: string) =>
  (await sql<{ tag: string; confidence: number }>(
    "select s.tag, pt.confidence from product_tag pt join tag_stats s on s.id = pt.tag_id where pt.product_id = $1 order by s.tag",
    [id],
  )).map((row) => [row.tag, row.confidence]);
const productTags = async (id: string) => (await sql<{ tags: string[] }>("select tags from product where id = $1", [id]))[0]!.tags;
const documentMatches = async (id: string, word: string) =>
  (await sql<{ n: number }>("select count(*)::int as n from product where id = $1 and search_document @@ to_tsquery('english', $2)", [id, word]))[0]!.n > 0;
const stat = async (tag: string) => (await sql<{ product_count: number; confidence_sum: number }>("select product_count, confidence_sum from tag_stats where tag = $1", [tag]))[0];

/** tag_stats agrees with the product_tag rows, and every product's arrays with its rows. */
async function expectCountsConsistent() {
  const wrong = await sql(`
    select s.tag from tag_stats s left join (
      select tag_id, count(*)::int as n, sum(confidence) as total from product_tag group by tag_id
    ) c on c.tag_id = s.id
    where s.product_count <> coalesce(c.n, 0) or abs(s.confidence_sum - coalesce(c.total, 0)) > 1e-6`);
  expect(wrong).toEqual([]);
  const mismatched = await sql(`
    select p.id from product p
    where p.tags <> array(select s.tag from product_tag pt join tag_stats s on s.id = pt.tag_id where pt.product_id = p.id order by s.tag)
       or p.tag_ids <> array(select pt.tag_id from product_tag pt where pt.product_id = p.id order by pt.tag_id)`);
  expect(mismatched).toEqual([]);
}

beforeAll(async () => {
  const database = await createTestDatabase();
  databaseUrl = database.url;
  dropDatabase = database.drop;
  orm = await createOrm({ url: database.url, poolMax: 2, log: () => {}, entities: catalogEntities });
  await migrate(orm);
  await migrateDownThrough(orm, MIGRATION);
  // As the code before the migration stored them: the local panel's placeholder, an LLM's, and a product with neither.
  await addProduct(ids.photo, "photo", { [UNIDENTIFIED]: 1, "color:red": 0.8, "color:white": 0.5 }, ["unidentified object"]);
  await addProduct(ids.llm, "llm", { "object:cup": 0.9, "object:unknown object": 1, "color:blue": 0.7 }, ["cup", "unknown object"]);
  await addProduct(ids.plain, "plain", { "object:cup": 0.6, "color:red": 1 }, ["cup"]);
  expect(await documentMatches(ids.photo, "unidentified")).toBe(true);
  expect(await stat(UNIDENTIFIED)).toEqual({ product_count: 1, confidence_sum: 1 });
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

describe("the no_unidentified_tag migration", () => {
  it("takes the placeholder tags off, keeping the other tags, their confidences and counts", async () => {
    await migrate(orm);

    expect(await productTags(ids.photo)).toEqual(["color:red", "color:white"]);
    expect(await tagsOf(ids.photo)).toEqual([["color:red", 0.8], ["color:white", 0.5]]);
    expect(await tagsOf(ids.llm)).toEqual([["color:blue", 0.7], ["object:cup", 0.9]]);
    expect(await tagsOf(ids.plain)).toEqual([["color:red", 1], ["object:cup", 0.6]]);
    expect(await stat(UNIDENTIFIED)).toBeUndefined();
    expect(await stat("object:unknown object")).toBeUndefined();
    expect(await stat("color:red")).toEqual({ product_count: 2, confidence_sum: expect.closeTo(1.8, 6) });
    await expectCountsConsistent();
    // The search document is rebuilt from the remaining tags.
    expect(await documentMatches(ids.photo, "unidentified")).toBe(false);
    expect(await documentMatches(ids.photo, "red")).toBe(true);
    expect(await documentMatches(ids.llm, "unknown")).toBe(false);
    // The features keep the fact.
    const [photo] = await sql<{ features: { main_objects: Array<{ object_type: string }> } }>("select features from photo where product_id = $1", [ids.photo]);
    expect(photo!.features.main_objects.map((object) => object.object_type)).toEqual(["unidentified object"]);
  });

  it("gives the local panel's tag back on the way down, from the stored features, and takes it off again on the way up", async () => {
    await migrateDownThrough(orm, MIGRATION);
    expect(await tagsOf(ids.photo)).toEqual([["color:red", 0.8], ["color:white", 0.5], [UNIDENTIFIED, 1]]);
    expect(await tagsOf(ids.llm)).toEqual([["color:blue", 0.7], ["object:cup", 0.9]]);
    expect(await stat(UNIDENTIFIED)).toEqual({ product_count: 1, confidence_sum: 1 });
    await expectCountsConsistent();

    await migrate(orm);
    expect(await productTags(ids.photo)).toEqual(["color:red", "color:white"]);
    await expectCountsConsistent();
  });
});
