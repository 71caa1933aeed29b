import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bandProbeMasks, MAX_NEAR_DUPLICATES, NEAR_DUPLICATES_OF_PHOTOS } from "../../src/catalog/near-duplicate-sql.js";
import { ProductRepository } from "../../src/catalog/product-repository.js";
import { numberArrayLiteral, textArrayLiteral } from "../../src/db/sql-arrays.js";
import { hammingDistance } from "../../src/media/perceptual-hash.js";
import { createMigratedOrm } from "../support/test-database.js";
import { seededRandom } from "../support/seeded-random.js";

/**
 * The near-duplicate lookup against a brute-force scan in JS, on random
 * hashes with planted neighbours at every distance, for every threshold the
 * settings allow: multi-index hashing must miss nothing.
 */

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
const photos: Array<{ id: string; hash: bigint; createdAt: Date }> = [];
const sources: string[] = [];

/** Random 64-bit hashes (signed, as stored), from a seeded source. */
function hashSource(next: () => number): () => bigint {
  return () => BigInt.asIntN(64, Array.from({ length: 4 }, () => BigInt(Math.floor(next() * 65536))).reduce((h, part) => (h << 16n) | part, 0n));
}

/** The hash with these bits (0 = lowest) flipped. */
function flipBits(hash: bigint, bits: Iterable<number>): bigint {
  return BigInt.asIntN(64, [...bits].reduce((h, bit) => h ^ (1n << BigInt(bit)), hash));
}

beforeAll(async () => {
  ({ orm, drop: dropDatabase } = await createMigratedOrm());
  const next = seededRandom(11);
  const randomHash = hashSource(next);
  const start = Date.parse("2026-01-01T00:00:00Z");
  const add = (hash: bigint) => photos.push({ id: randomUUID(), hash, createdAt: new Date(start + photos.length * 1000) });
  for (let index = 0; index < 300; index += 1) add(randomHash());
  for (let source = 0; source < 12; source += 1) {
    const hash = randomHash();
    add(hash);
    sources.push(photos.at(-1)!.id);
    for (let distance = 0; distance <= 14; distance += 1) {
      // Flipped bits spread evenly over the four bands: the case the pigeonhole argument is tight for.
      add(flipBits(hash, Array.from({ length: distance }, (_, k) => (k % 4) * 16 + Math.floor(k / 4))));
      // And at random.
      const bits = new Set<number>();
      while (bits.size < distance) bits.add(Math.floor(next() * 64));
      add(flipBits(hash, bits));
    }
  }
  const productId = randomUUID();
  const connection = orm.em.getConnection();
  await connection.execute(`insert into product (id, source_url, created_at) values (?, 'https://shop.example/hashes', now())`, [productId]);
  await connection.execute(
    `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, perceptual_hash, created_at)
     select r.id, ?, r.id::text || '.png', 'image/png', 1, 1, 1, encode(sha256(r.id::text::bytea), 'hex'), r.hash::bigint, r.created_at
     from jsonb_to_recordset(?::jsonb) as r(id uuid, hash text, created_at timestamptz)`,
    [productId, JSON.stringify(photos.map((photo) => ({ id: photo.id, hash: String(photo.hash), created_at: photo.createdAt.toISOString() })))],
  );
  await connection.execute("analyze photo");
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

function bruteForce(sourceId: string, maxDistance: number) {
  const source = photos.find((photo) => photo.id === sourceId)!;
  return photos
    .filter((photo) => photo.id !== sourceId)
    .map((photo) => ({ photo, distance: hammingDistance(source.hash, photo.hash) }))
    .filter(({ distance }) => distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance || a.photo.createdAt.getTime() - b.photo.createdAt.getTime())
    .slice(0, MAX_NEAR_DUPLICATES)
    .map(({ photo, distance }) => ({ id: photo.id, distance }));
}

describe("near duplicates by multi-index hashing", () => {
  it("finds exactly what a scan finds, for every threshold from 0 to 11, in one batch", async () => {
    for (let maxDistance = 0; maxDistance <= 11; maxDistance += 1) {
      const found = await new ProductRepository(orm.em.fork()).nearDuplicatesByPhotoIds(sources, maxDistance);
      for (const source of sources) {
        const actual = found.get(source)!.map(({ photo, distance }) => ({ id: photo.id, distance }));
        expect(actual, `threshold ${maxDistance}`).toEqual(bruteForce(source, maxDistance));
      }
    }
  });

  it("maps the rows to photos, hash included, and gives photos without a hash no near duplicates", async () => {
    const [source] = sources;
    const found = await new ProductRepository(orm.em.fork()).nearDuplicatesByPhotoIds([source!, randomUUID()], 8);
    const nearest = found.get(source!)![0]!;
    expect(nearest.distance).toBe(0);
    expect(nearest.photo.perceptualHash).toBe(photos.find((photo) => photo.id === nearest.photo.id)!.hash);
    expect(nearest.photo).toMatchObject({ mimeType: "image/png", width: 1 });
    expect([...found.values()][1]).toEqual([]);
  });

  it("probes 1 + 16 + 120 values per band at the default threshold of 8", () => {
    expect(bandProbeMasks(7)).toHaveLength(17);
    expect(bandProbeMasks(8)).toHaveLength(137);
    expect(bandProbeMasks(11)).toHaveLength(137);
  });

  it("is served by the four band indexes", async () => {
    const plan = await orm.em.fork().transactional(async (em) => {
      await em.execute("set local enable_seqscan = off"); // the small table would otherwise be read whole
      return em.execute<Array<{ "QUERY PLAN": string }>>(`explain ${NEAR_DUPLICATES_OF_PHOTOS}`, [
        textArrayLiteral(sources.slice(0, 1)),
        8,
        numberArrayLiteral(bandProbeMasks(8)),
        MAX_NEAR_DUPLICATES,
      ]);
    });
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
    for (const band of [0, 1, 2, 3]) expect(text).toMatch(new RegExp(`Index (Only )?Scan using photo_phash_band_${band} on photo`));
    expect(text).not.toMatch(/Seq Scan on photo/);
  });
});

describe("products near duplicating a product", () => {
  it("lists every other product with a photo within the threshold of one of its photos, by that closest photo", async () => {
    const randomHash = hashSource(seededRandom(23));
    const [qa, qb] = [randomHash(), randomHash()];
    // Each product's photos at known distances from the query product's two photos (distinct, so no tie decides).
    const planted: Record<string, bigint[]> = {
      query: [qa, qb, flipBits(qa, [1, 2])],
      closeToBoth: [flipBits(qa, [3, 20, 40]), flipBits(qb, [5, 21, 37, 50, 60, 63])],
      // The same the other way round: whichever query photo is read last, one of the two is closest through another.
      closeToBothReversed: [flipBits(qb, [7, 23, 39]), flipBits(qa, [9, 25, 41, 52, 57, 61])],
      closeToSecond: [flipBits(qb, [0, 17, 33, 49, 62])],
      nineAway: [flipBits(qb, [2, 6, 18, 22, 34, 38, 50, 54, 58])],
      unrelated: [randomHash()],
    };
    const added: Array<{ product: string; id: string; hash: bigint }> = [];
    const connection = orm.em.getConnection();
    const productIds: Record<string, string> = {};
    for (const [name, hashes] of Object.entries(planted)) {
      productIds[name] = randomUUID();
      await connection.execute(`insert into product (id, source_url, created_at) values (?, ?, now())`, [productIds[name], `https://shop.example/${name}`]);
      for (const hash of hashes) {
        const id = randomUUID();
        added.push({ product: productIds[name]!, id, hash });
        await connection.execute(
          `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, perceptual_hash, created_at)
           values (?, ?, ?, 'image/png', 1, 1, 1, encode(sha256(?::text::bytea), 'hex'), ?::bigint, now())`,
          [id, productIds[name], `${id}.png`, id, String(hash)],
        );
      }
    }
    const everyPhoto = [...added, ...photos.map((photo) => ({ product: "hashes", id: photo.id, hash: photo.hash }))];
    const queryHashes = added.filter((photo) => photo.product === productIds.query).map((photo) => photo.hash);
    const bruteForce = (maxDistance: number) => {
      const closest = new Map<string, { id: string; distance: number }>();
      for (const photo of everyPhoto.filter((photo) => photo.product !== productIds.query)) {
        const distance = Math.min(...queryHashes.map((hash) => hammingDistance(hash, photo.hash)));
        const held = closest.get(photo.product);
        if (distance <= maxDistance && (!held || distance < held.distance)) closest.set(photo.product, { id: photo.id, distance });
      }
      return new Map([...closest].map(([product, { id }]) => [product, id]));
    };
    const photoOf = (name: string, index: number) => added.filter((photo) => photo.product === productIds[name])[index]!.id;
    for (const maxDistance of [0, 4, 5, 8, 9, 11]) {
      const found = await new ProductRepository(orm.em.fork()).productsNearDuplicating(productIds.query!, maxDistance);
      expect(found, `threshold ${maxDistance}`).toEqual(bruteForce(maxDistance));
    }
    // The premise the brute force is checked against: each planted product at its distance.
    expect(bruteForce(8)).toEqual(
      new Map([
        [productIds.closeToBoth, photoOf("closeToBoth", 0)],
        [productIds.closeToBothReversed, photoOf("closeToBothReversed", 0)],
        [productIds.closeToSecond, photoOf("closeToSecond", 0)],
      ]),
    );
    expect(bruteForce(9).get(productIds.nineAway!)).toBe(photoOf("nineAway", 0));
  });
});

describe("photo.sha256", () => {
  it("is unique, so two uploads of one file cannot both be stored", async () => {
    const [existing] = await orm.em.getConnection().execute<Array<{ product_id: string; sha256: string }>>("select product_id, sha256 from photo limit 1");
    const insert = orm.em.getConnection().execute(
      `insert into photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, created_at) values (?, ?, 'copy.png', 'image/png', 1, 1, 1, ?, now())`,
      [randomUUID(), existing!.product_id, existing!.sha256],
    );
    await expect(insert).rejects.toMatchObject({ code: "23505", constraint: "photo_sha256_unique" });
  });
});
