import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageFeatures } from "../../src/analysis/features.js";
import { CatalogReads, SharedCatalogReads } from "../../src/catalog/catalog-reads.js";
import { Photo } from "../../src/catalog/photo.entity.js";
import { Product } from "../../src/catalog/product.entity.js";
import { createMigratedOrm } from "../support/test-database.js";
import { seededRandom } from "../support/seeded-random.js";

/**
 * The prepared, untracked reads GraphQL answers from give exactly what the
 * ORM's own reads give: every field of every product and photo, the same
 * pages in the same order (ties on created_at included), over a real
 * PostgreSQL, and again once each connection has run its statements often
 * enough for PostgreSQL to consider a generic plan.
 */

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
const productIds: string[] = [];

beforeAll(async () => {
  ({ orm, drop: dropDatabase } = await createMigratedOrm());
  const next = seededRandom(5);
  const em = orm.em.fork();
  const start = Date.parse("2026-03-01T00:00:00Z");
  for (let index = 0; index < 60; index += 1) {
    const product = new Product(`https://shop.example/reads/${index}`);
    // Every third product shares its instant with the one before: the page order falls back on ids.
    product.createdAt = new Date(start + Math.floor(index / 3) * 1000 + (index % 3 === 0 ? 0 : 1) + next() * 0.4);
    if (index % 2 === 0) Object.assign(product, { caption: `a red mug ${index}`, title: `Mug ${index}`, externalId: `SKU-${index}` });
    if (index % 4 === 0) product.attributes = { brand: "Acme", size: String(index) };
    product.tags = index % 5 === 0 ? [] : ["color:red", `object:thing-${index % 7}`];
    em.persist(product);
    productIds.push(product.id);
    for (let photoIndex = 0; photoIndex < index % 3; photoIndex += 1) {
      const photo = new Photo();
      Object.assign(photo, {
        product,
        storageKey: `${randomUUID()}.png`,
        mimeType: "image/png",
        width: 10 + index,
        height: 20 + photoIndex,
        byteSize: 1000 + index,
        sha256: randomUUID().replaceAll("-", "").repeat(2),
        perceptualHash: photoIndex === 0 ? null : BigInt.asIntN(64, BigInt(index) * 0x9e3779b97f4a7c15n),
        features: photoIndex === 0 ? null : ({ main_objects: [], overall_style: [], text: [`t${index}`] } as unknown as ImageFeatures),
        createdAt: new Date(product.createdAt.getTime() + photoIndex * 500),
      });
      em.persist(photo);
    }
  }
  await em.flush();
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

/** The fields GraphQL reads, from an entity or a plain object alike. */
function productFields(product: Product) {
  const { id, sourceUrl, tags, caption, externalId, title, attributes, createdAt } = product;
  return { id, sourceUrl, tags, caption, externalId, title, attributes, createdAt: createdAt.toISOString() };
}

function photoFields(photo: Photo) {
  const { id, storageKey, mimeType, width, height, byteSize, sha256, perceptualHash, features, createdAt } = photo;
  return { id, productId: photo.product.id, storageKey, mimeType, width, height, byteSize, sha256, perceptualHash, features, createdAt: createdAt.toISOString() };
}

describe("catalogue reads", () => {
  it("give every product and photo field as the ORM reads them", async () => {
    const reads = new CatalogReads(orm.em.fork());
    const byOrm = await orm.em.fork().find(Product, { id: { $in: productIds } });
    const wanted = [...productIds, randomUUID()]; // and an unknown id, left out
    for (let round = 0; round < 8; round += 1) {
      const read = await reads.productsByIds(wanted);
      expect(read.size).toBe(productIds.length);
      for (const product of byOrm) expect(productFields(read.get(product.id)!)).toEqual(productFields(product));
    }

    const photosByOrm = await orm.em.fork().find(Photo, { product: { $in: productIds } }, { orderBy: { createdAt: "asc", id: "asc" } });
    const photos = await reads.photosByProductIds(productIds);
    expect([...photos.values()].flat()).toHaveLength(photosByOrm.length);
    for (const id of productIds) {
      expect(photos.get(id)!.map(photoFields)).toEqual(photosByOrm.filter((photo) => photo.product.id === id).map(photoFields));
    }
    expect((await reads.photosByProductIds([randomUUID()])).size).toBe(1);
  });

  it("page newest first, ties broken by id, every cursor giving the rest of the order", async () => {
    const all = (await orm.em.fork().find(Product, {}, { orderBy: { createdAt: "desc", id: "desc" } })).map((product) => product.id);
    const reads = new CatalogReads(orm.em.fork());
    for (const size of [1, 7, 20]) {
      // Walk the whole catalogue, twice, so each statement runs past the few executions before a generic plan.
      for (let pass = 0; pass < 2; pass += 1) {
        const walked: string[] = [];
        let page = await reads.pageNewestFirst(size, null);
        walked.push(...page.products.map((product) => product.id));
        while (page.hasNextPage) {
          const last = page.products.at(-1)!;
          page = await reads.pageNewestFirst(size, { createdAt: last.createdAt, id: last.id });
          walked.push(...page.products.map((product) => product.id));
        }
        expect(walked).toEqual(all);
      }
    }
  });

  it("shared by many requests: one statement for the ids they ask for at once, the same answers as each reading alone", async () => {
    let statements = 0;
    const shared = new SharedCatalogReads(() => {
      statements += 1;
      return orm.em.fork();
    });
    const wanted = [...productIds.slice(0, 40), randomUUID()];
    // Forty-one requests, each with its own EntityManager, each asking for one product and its photos.
    const [products, photos] = await Promise.all([
      Promise.all(wanted.map((id) => new CatalogReads(orm.em.fork(), shared).productsByIds([id]))),
      Promise.all(wanted.map((id) => new CatalogReads(orm.em.fork(), shared).photosByProductIds([id]))),
    ]);
    expect(statements).toBe(2); // one for the products, one for the photos
    const alone = new CatalogReads(orm.em.fork());
    const [productsAlone, photosAlone] = [await alone.productsByIds(wanted), await alone.photosByProductIds(wanted)];
    wanted.forEach((id, index) => {
      expect(products[index]!.size).toBe(productsAlone.has(id) ? 1 : 0);
      if (productsAlone.has(id)) expect(productFields(products[index]!.get(id)!)).toEqual(productFields(productsAlone.get(id)!));
      expect(photos[index]!.get(id)!.map(photoFields)).toEqual(photosAlone.get(id)!.map(photoFields));
    });
    expect(photosAlone.get(wanted.at(-1)!)).toEqual([]);
  });

  it("inside a transaction, reads its own writes rather than the shared reads", async () => {
    const shared = new SharedCatalogReads(() => orm.em.fork());
    const rolledBack = new Error("roll back");
    let insideId = "";
    await expect(
      orm.em.fork().transactional(async (tx) => {
        const product = new Product("https://shop.example/reads/uncommitted");
        tx.persist(product);
        await tx.flush();
        insideId = product.id;
        expect([...(await new CatalogReads(tx, shared).productsByIds([insideId])).keys()]).toEqual([insideId]);
        // The shared reads run on other connections: the uncommitted product is not there.
        expect(await shared.products.load(insideId)).toBeUndefined();
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(insideId).not.toBe("");
  });
});
