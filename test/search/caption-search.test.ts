import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Product } from "../../src/catalog/product.entity.js";
import { ProductRepository } from "../../src/catalog/product-repository.js";
import { TextSearchRepository } from "../../src/search/text-search.js";
import { migrate } from "../../src/db/orm.js";
import { migrateDownThrough } from "../support/migrate-down.js";
import { createMigratedOrm } from "../support/test-database.js";
import { PhotoFeaturesRepository } from "../../src/catalog/photo-features-repository.js";

/** product.caption in full-text search (the caption migration's trigger), and that migration's way back. */

let orm: MikroORM;
let dropDatabase: () => Promise<void>;
let productId: string;
const NO_FILTERS = { requiredTags: [], createdAfter: null, attributes: {} };
const CAPTION = "A handmade terracotta vase on a sunny windowsill.";

const searchText = (words: string[]) => new TextSearchRepository(orm.em.fork()).searchText(words, 10, NO_FILTERS);
const documentMatches = async (word: string) => {
  const [row] = await orm.em.fork().execute<Array<{ count: string }>>(
    "select count(*) from product where id = ? and search_document @@ to_tsquery('english', ?)",
    [productId, word],
  );
  return Number(row!.count) > 0;
};

beforeAll(async () => {
  ({ orm, drop: dropDatabase } = await createMigratedOrm());
  const em = orm.em.fork();
  const product = new Product("https://shop.example/products/item-42");
  await em.persist(product).flush();
  productId = product.id;
  await new PhotoFeaturesRepository(em).setProductTags(productId, [
    { tag: "color:orange", confidence: 1 },
    { tag: "object:vase", confidence: 1 },
  ]);
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase?.();
});

describe("full-text search over the caption", () => {
  it("finds a product by a word only its caption has", async () => {
    expect(await searchText(["windowsill"])).toEqual([]);
    await new ProductRepository(orm.em.fork()).setCaption(productId, CAPTION);
    expect(await searchText(["windowsills"])).toEqual([productId]); // stemmed, like the tags' words
    // The tags and the address stay in the document.
    expect(await searchText(["vase"])).toEqual([productId]);
    expect(await searchText(["item"])).toEqual([productId]);
  });

  it("forgets the caption's words when the caption goes", async () => {
    await new ProductRepository(orm.em.fork()).setCaption(productId, null);
    expect(await searchText(["terracotta"])).toEqual([]);
    await new ProductRepository(orm.em.fork()).setCaption(productId, CAPTION);
    expect(await documentMatches("terracotta")).toBe(true);
  });

  it("migrates down to documents without captions, and up again", async () => {
    await migrateDownThrough(orm, "Migration20261122050000_caption");
    expect(await documentMatches("terracotta")).toBe(false);
    expect(await documentMatches("vase")).toBe(true);
    await migrate(orm);
    expect(await documentMatches("terracotta")).toBe(false); // the caption went with its column
    await new ProductRepository(orm.em.fork()).setCaption(productId, CAPTION);
    expect(await documentMatches("terracotta")).toBe(true);
  });
});

describe("a product's stored evidence (what similarProducts ranks from)", () => {
  it("is its tags with their confidences, none for a product without tags, and null for no product", async () => {
    const texts = new TextSearchRepository(orm.em.fork());
    expect(await texts.productEvidence(productId)).toEqual([
      { tag: "color:orange", confidence: 1 },
      { tag: "object:vase", confidence: 1 },
    ]);
    const em = orm.em.fork();
    const untagged = new Product("https://shop.example/products/untagged");
    await em.persist(untagged).flush();
    expect(await texts.productEvidence(untagged.id)).toEqual([]);
    expect(await texts.productEvidence("00000000-0000-4000-8000-000000000000")).toBeNull();
  });
});
