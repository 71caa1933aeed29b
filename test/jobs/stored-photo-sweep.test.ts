import { copyFile, mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductRepository } from "../../src/catalog/product-repository.js";
import { sweepStoredPhotos } from "../../src/jobs/stored-photo-sweep.js";
import { LocalPhotoStorage } from "../../src/media/storage/local-photo-storage.js";
import { newPhotoKey } from "../../src/media/storage/photo-key.js";
import { solidPng } from "../support/images.js";
import { pixelAnalysers } from "../support/pixel-analysers.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import type { MikroORM } from "@mikro-orm/postgresql";
import { createOrm } from "../../src/db/orm.js";
import { catalogEntities } from "../../src/catalog/entities.js";

/**
 * A process that dies between putting a photo and writing its row leaves a
 * stored photo nobody names. The sweep removes those once they are older
 * than the grace period, and nothing a row names.
 */

let api: TestApp;
let orm: MikroORM;
let scratch: string;

beforeAll(async () => {
  api = await startTestApp({}, pixelAnalysers());
  orm = await createOrm({ url: api.databaseUrl, poolMax: 2, log: () => {}, entities: catalogEntities });
  scratch = await mkdtemp(path.join(tmpdir(), "lookalike-sweep-"));
});

afterAll(async () => {
  await orm?.close();
  await api?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const referencedKeys = (keys: readonly string[]) => new ProductRepository(orm.em.fork()).storedKeysAmong(keys);

describe("the stored-photo sweep", () => {
  it("removes old photos no row names, and keeps the catalogue's photos and young ones", async () => {
    const response = await api.client.upload<{ addProduct: { id: string } }>(
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/kept", image: $image) { id } }`,
      { image: null },
      [{ variable: "variables.image", bytes: await solidPng(10, 200, 10), filename: "kept.png" }],
    );
    await waitForAnalysis(api.client, response.data!.addProduct.id);
    const storage = new LocalPhotoStorage(api.uploadsDir);
    const file = path.join(scratch, "orphan.png");
    await copyFile("test/fixtures/coffee.png", file);
    const [oldOrphan, youngOrphan] = [newPhotoKey("png"), newPhotoKey("png")];
    await storage.put(oldOrphan, file, "image/png");
    await storage.put(youngOrphan, file, "image/png");
    // Two hours old, as a crash's leftover would be by the time a sweep comes.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(path.join(api.uploadsDir, ...oldOrphan.split("/")), twoHoursAgo, twoHoursAgo);
    const [kept] = await api.sql<{ storage_key: string }>("select storage_key from photo");
    const catalogued = path.join(api.uploadsDir, ...kept!.storage_key.split("/"));
    await utimes(catalogued, twoHoursAgo, twoHoursAgo);

    expect(await sweepStoredPhotos(storage, referencedKeys, 3600_000)).toEqual({ checked: 2, removed: 1 });
    expect(await storage.info(oldOrphan)).toBeNull();
    expect(await storage.info(youngOrphan)).not.toBeNull();
    expect(await storage.info(kept!.storage_key)).not.toBeNull();
    // With no grace, the young orphan goes too; the catalogue's photo never does.
    expect(await sweepStoredPhotos(storage, referencedKeys, 0)).toEqual({ checked: 2, removed: 1 });
    expect(await storage.info(kept!.storage_key)).not.toBeNull();
  });

  it("goes through a bucket of many photos in batches", async () => {
    const storage = new LocalPhotoStorage(api.uploadsDir);
    const file = path.join(scratch, "many.png");
    await copyFile("test/fixtures/coffee.png", file);
    const orphans = Array.from({ length: 1_100 }, () => newPhotoKey("png"));
    for (const key of orphans) await storage.put(key, file, "image/png");
    const catalogued = (await api.sql<{ storage_key: string }>("select storage_key from photo")).map((row) => row.storage_key);
    expect(await sweepStoredPhotos(storage, referencedKeys, 0)).toEqual({ checked: orphans.length + catalogued.length, removed: orphans.length });
    const left: string[] = [];
    for await (const { key } of storage.list()) left.push(key);
    expect(left.sort()).toEqual([...catalogued].sort());
  });
});
