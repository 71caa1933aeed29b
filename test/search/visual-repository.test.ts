import { createHash, randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddingModel } from "../../src/analysis/embedding.js";
import { cosineOfUnitVectors } from "../../src/search/embedding-sql.js";
import { SimilarityRepository } from "../../src/search/similarity-repository.js";
import { VisualIndexBuilder } from "../../src/search/visual-index-builder.js";
import { VisualListCache } from "../../src/search/visual-list-cache.js";
import { VisualRepository, type VisualFilters } from "../../src/search/visual-repository.js";
import { seededRandom } from "../support/seeded-random.js";
import { createMigratedOrm } from "../support/test-database.js";
import { PhotoFeaturesRepository } from "../../src/catalog/photo-features-repository.js";

/**
 * Visual neighbours in SQL (cube parts, exact scan and IVF lists) against a
 * brute force in JS, on seeded clustered vectors of a model wider than one
 * cube (150 dimensions: two parts).
 */

const MODEL: EmbeddingModel = { id: "test-model/v1", dimension: 150 };
const NO_FILTERS: VisualFilters = { requiredTagIds: [], createdAfter: null, attributes: {}, excludeProductId: null };

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
const products: Array<{ id: string; photoId: string; vector: number[]; createdAt: Date; red: boolean; size: string }> = [];
const next = seededRandom(7);

function unit(values: number[]): number[] {
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}
const gaussian = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
const centres = Array.from({ length: 12 }, () => unit(Array.from({ length: MODEL.dimension }, gaussian)));
const near = (centre: number[], spread: number) => unit(centre.map((value) => value + spread * gaussian()));

/** Exact top k by JS brute force: closest first, ties to the newest. */
function bruteForce(vector: number[], k: number, keep: (product: (typeof products)[number]) => boolean = () => true) {
  return products
    .filter(keep)
    .map((product) => ({ id: product.id, similarity: cosineOfUnitVectors(vector, product.vector), createdAt: product.createdAt }))
    .sort((a, b) => b.similarity - a.similarity || b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, k);
}

beforeAll(async () => {
  ({ orm, drop: dropDatabase } = await createMigratedOrm());
  const em = orm.em.fork();
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let index = 0; index < 400; index++) {
    const photoId = randomUUID();
    const vector = near(centres[index % centres.length]!, 0.08);
    const product = { id: randomUUID(), photoId, vector, createdAt: new Date(start + index * 1000), red: index % 3 === 0, size: index % 2 === 0 ? "L" : "M" };
    products.push(product);
    await em.execute("insert into product (id, source_url, created_at, attributes) values (?, ?, ?, ?::jsonb)", [
      product.id,
      `https://shop.example/${product.id}`,
      product.createdAt.toISOString(),
      JSON.stringify({ size: product.size, brand: "acme" }),
    ]);
    await em.execute(
      `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, features, created_at)
       values (?, ?, ?, 'image/png', 10, 10, 100, ?, '{}', ?)`,
      [photoId, product.id, `${photoId}.png`, createHash("sha256").update(photoId).digest("hex"), product.createdAt.toISOString()],
    );
    if (product.red) await new PhotoFeaturesRepository(em).setProductTags(product.id, [{ tag: "color:red", confidence: 1 }]);
    await new VisualRepository(em, MODEL).saveEmbedding(photoId, product.id, { model: MODEL.id, vector: product.vector });
  }
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

describe("visual neighbours", () => {
  it("are exact while the model has no lists", async () => {
    const repository = new VisualRepository(orm.em.fork(), MODEL);
    for (let query = 0; query < 20; query++) {
      const vector = near(centres[query % centres.length]!, 0.1);
      const found = await repository.nearestProducts(vector, 10, NO_FILTERS);
      const expected = bruteForce(vector, 10);
      expect(found.map((match) => match.productId)).toEqual(expected.map((match) => match.id));
      found.forEach((match, index) => expect(match.similarity).toBeCloseTo(expected[index]!.similarity, 9));
      expect(found.map((match) => match.photoId)).toEqual(expected.map((match) => products.find((product) => product.id === match.id)!.photoId));
    }
  });

  it("honour the filters and the excluded product", async () => {
    const em = orm.em.fork();
    const repository = new VisualRepository(em, MODEL);
    const red = (await new SimilarityRepository(em).tagStats(["color:red"])).idOf("color:red")!;
    const vector = products[5]!.vector;
    const after = products[200]!.createdAt;
    const filters = { requiredTagIds: [red], createdAfter: after, attributes: { size: "L", brand: "acme" }, excludeProductId: products[204]!.id };
    const found = await repository.nearestProducts(vector, 10, filters);
    const expected = bruteForce(vector, 10, (product) => product.red && product.createdAt > after && product.size === "L" && product.id !== products[204]!.id);
    expect(expected).toHaveLength(10);
    expect(found.map((match) => match.productId)).toEqual(expected.map((match) => match.id));
    expect(await repository.nearestProducts(vector, 10, { ...NO_FILTERS, attributes: { size: "XL" } })).toEqual([]);
  });

  it("keep the vectors of each model apart, and list the photos a model has not embedded", async () => {
    const em = orm.em.fork();
    const other: EmbeddingModel = { id: "another-model/v2", dimension: 150 };
    expect(await new VisualRepository(em, other).nearestProducts(products[0]!.vector, 5, NO_FILTERS)).toEqual([]);
    expect(await new VisualRepository(em, other).photosToEmbed(1000)).toHaveLength(products.length);
    expect(await new VisualRepository(em, MODEL).photosToEmbed(1000)).toEqual([]);
    await expect(new VisualRepository(em, other).saveEmbedding(randomUUID(), products[0]!.id, { model: MODEL.id, vector: products[0]!.vector })).rejects.toThrow();
  });

  it("are found in IVF lists once built, exactly within the lists probed, and all lists probed is the exact scan", async () => {
    const em = orm.em.fork();
    const builder = new VisualIndexBuilder(em, MODEL, { minVectors: 100, vectorsPerList: 25, sampleSize: 1000, growthFactor: 2 });
    expect(await builder.due()).toBe(true);
    const built = await builder.build();
    expect(built).toEqual({ lists: 16, vectors: 400 });
    expect(await builder.due()).toBe(false);
    const [unplaced] = await em.execute<Array<{ count: string }>>("select count(*) from photo_embedding where ivf_list is null");
    expect(Number(unplaced!.count)).toBe(0);

    const repository = new VisualRepository(em, MODEL);
    let recalled = 0;
    for (let query = 0; query < 30; query++) {
      const vector = near(centres[query % centres.length]!, 0.1);
      const expected = bruteForce(vector, 10).map((match) => match.id);
      expect((await repository.nearestProducts(vector, 10, NO_FILTERS, 16)).map((match) => match.productId)).toEqual(expected);
      const probed = await repository.nearestProducts(vector, 10, NO_FILTERS, 4);
      recalled += probed.filter((match) => expected.includes(match.productId)).length;
      // Within the lists probed, distances are exact.
      for (const match of probed) expect(match.similarity).toBeCloseTo(cosineOfUnitVectors(vector, products.find((p) => p.id === match.productId)!.vector), 9);
    }
    expect(recalled / 300).toBeGreaterThan(0.9);
  });

  it("rank the lists from centroids held in memory, reloaded once the lists are rebuilt", async () => {
    const lists = new VisualListCache();
    const repository = new VisualRepository(orm.em.fork(), MODEL, 4, lists);
    const vector = near(centres[3]!, 0.1);
    await repository.nearestProducts(vector, 10, NO_FILTERS);
    // Rebuilt with other lists (8, numbered anew): centroids still held from the 16 old lists would probe the wrong rows.
    const rebuilt = await new VisualIndexBuilder(orm.em.fork(), MODEL, { minVectors: 100, vectorsPerList: 50, sampleSize: 1000, growthFactor: 2 }).build(99);
    expect(rebuilt.lists).toBe(8);
    for (let query = 0; query < 10; query++) {
      const other = near(centres[query]!, 0.1);
      const found = await repository.nearestProducts(other, 10, NO_FILTERS, 8);
      expect(found.map((match) => match.productId)).toEqual(bruteForce(other, 10).map((match) => match.id));
    }
  });

  it("name the product's photo nearest the query, ranked or completed", async () => {
    const em = orm.em.fork();
    const model: EmbeddingModel = { id: "test-model-two-photos/v1", dimension: 150 };
    const product = products[1]!;
    const second = randomUUID();
    await em.execute(
      `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, features) values (?, ?, ?, 'image/png', 10, 10, 100, ?, '{}')`,
      [second, product.id, `${second}.png`, createHash("sha256").update(second).digest("hex")],
    );
    const looks = { [product.photoId]: centres[2]!, [second]: centres[3]! };
    for (const [photoId, vector] of Object.entries(looks)) await new VisualRepository(em, model).saveEmbedding(photoId, product.id, { model: model.id, vector });
    const repository = new VisualRepository(em, model);
    for (const [photoId, vector] of Object.entries(looks)) {
      const query = near(vector, 0.02);
      const [nearest] = await repository.nearestProducts(query, 1, NO_FILTERS);
      expect(nearest).toMatchObject({ productId: product.id, photoId });
      const completed = (await repository.similarityOf(query, [product.id])).get(product.id);
      expect(completed).toMatchObject({ productId: product.id, photoId });
      expect(completed!.similarity).toBeCloseTo(nearest!.similarity, 9);
    }
  });

  it("find enough products when one product has more photos close to the query than the limit", async () => {
    const em = orm.em.fork();
    const model: EmbeddingModel = { id: "test-model-many-photos/v1", dimension: 150 };
    const vector = near(centres[0]!, 0.01);
    const crowded = products[0]!;
    for (let index = 0; index < 30; index++) {
      const photoId = randomUUID();
      await em.execute(
        `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, features) values (?, ?, ?, 'image/png', 10, 10, 100, ?, '{}')`,
        [photoId, crowded.id, `${photoId}.png`, createHash("sha256").update(photoId).digest("hex")],
      );
      await new VisualRepository(em, model).saveEmbedding(photoId, crowded.id, { model: model.id, vector: near(vector, 0.001) });
    }
    const others = products.slice(1, 6);
    for (const [index, product] of others.entries()) {
      const photoId = (await em.execute<Array<{ id: string }>>("select id from photo where product_id = ? limit 1", [product.id]))[0]!.id;
      await new VisualRepository(em, model).saveEmbedding(photoId, product.id, { model: model.id, vector: near(vector, 0.05 * (index + 1)) });
    }
    const found = await new VisualRepository(em, model).nearestProducts(vector, 3, NO_FILTERS);
    expect(found.map((match) => match.productId)).toEqual([crowded.id, others[0]!.id, others[1]!.id]);
  });

  it("places a vector stored after the build in its nearest list", async () => {
    const em = orm.em.fork();
    const product = products[17]!;
    const [photo] = await em.execute<Array<{ id: string }>>("select id from photo where product_id = ?", [product.id]);
    await new VisualRepository(em, MODEL).saveEmbedding(photo!.id, product.id, { model: MODEL.id, vector: product.vector });
    const [row] = await em.execute<Array<{ ivf_list: number | null; nearest: number }>>(
      `select e.ivf_list, (select l.list from visual_list l where l.model = e.model
         order by sqrt(power(l.centroid[1] <-> e.parts[1], 2) + power(l.centroid[2] <-> e.parts[2], 2)) limit 1) as nearest
       from photo_embedding e where e.photo_id = ?`,
      [photo!.id],
    );
    expect(row!.ivf_list).not.toBeNull();
    expect(row!.ivf_list).toBe(row!.nearest);
  });
});
