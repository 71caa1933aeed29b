import type { EntityManager } from "@mikro-orm/postgresql";
import { Analysis } from "./analysis.entity.js";
import { bandProbeMasks, MAX_NEAR_DUPLICATES, NEAR_DUPLICATES_OF_HASH, NEAR_DUPLICATES_OF_PHOTOS, NEAR_DUPLICATES_OF_PRODUCT } from "./near-duplicate-sql.js";
import { Photo } from "./photo.entity.js";
import { Product } from "./product.entity.js";
import { numberArrayLiteral, textArrayLiteral } from "../db/sql-arrays.js";
import { preparedRows, type PreparedStatement } from "../db/prepared-statement.js";

export interface ProductCursor {
  createdAt: Date;
  id: string;
}

/** Another photo that looks the same, `distance` bits of perceptual hash away. */
export interface NearDuplicate {
  photo: Photo;
  distance: number;
}

type NearDuplicateRow = Record<string, unknown> & { source_id: string; distance: number };

/** A product's photo that duplicates a query photo: the same bytes (EXACT) or a near copy (NEAR). */
export interface DuplicatePhoto {
  kind: "EXACT" | "NEAR";
  photoId: string;
}

/** The near duplicates of one product's photos, prepared: "products like this one" asks it every time. */
const NEAR_DUPLICATES_OF_PRODUCT_STATEMENT: PreparedStatement = { name: "catalog_near_duplicates_of_product", text: NEAR_DUPLICATES_OF_PRODUCT };

/** The SQL that matters lives here; the ORM does the rest. */
export class ProductRepository {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<Product | null> {
    return this.em.findOne(Product, { id });
  }

  findByExternalId(externalId: string): Promise<Product | null> {
    return this.em.findOne(Product, { externalId });
  }

  findBySourceUrl(sourceUrl: string): Promise<Product | null> {
    return this.em.findOne(Product, { sourceUrl });
  }

  findPhotoById(id: string): Promise<Photo | null> {
    return this.em.findOne(Photo, { id });
  }

  /** A photo's analysis (one per photo: retries reuse it). */
  analysisOfPhoto(photoId: string): Promise<Analysis | null> {
    return this.em.findOne(Analysis, { photo: photoId });
  }

  findPhotoBySha256(sha256: string): Promise<Photo | null> {
    return this.em.findOne(Photo, { sha256 });
  }

  /** Near duplicates of many photos in one statement (DataLoader batch); see near-duplicate-sql.ts. */
  async nearDuplicatesByPhotoIds(photoIds: readonly string[], maxDistance: number): Promise<Map<string, NearDuplicate[]>> {
    const rows = await this.em.execute<NearDuplicateRow[]>(NEAR_DUPLICATES_OF_PHOTOS, [
      textArrayLiteral(photoIds),
      maxDistance,
      numberArrayLiteral(bandProbeMasks(maxDistance)),
      MAX_NEAR_DUPLICATES,
    ]);
    const bySource = new Map<string, NearDuplicate[]>(photoIds.map((id) => [id, []]));
    for (const { source_id, distance, ...columns } of rows) {
      bySource.get(source_id)?.push({ photo: this.em.map(Photo, columns), distance });
    }
    return bySource;
  }

  /**
   * Products with a photo of exactly these bytes, or within `maxDistance`
   * bits of this perceptual hash: the duplicates of a query photo, each with
   * its photo that duplicates it (the closest, for a near copy).
   */
  async productsDuplicating(sha256: string, perceptualHash: bigint, maxDistance: number): Promise<Map<string, DuplicatePhoto>> {
    const found = new Map<string, DuplicatePhoto>();
    const near = await this.em.execute<NearDuplicateRow[]>(NEAR_DUPLICATES_OF_HASH, [
      BigInt.asIntN(64, perceptualHash).toString(),
      maxDistance,
      numberArrayLiteral(bandProbeMasks(maxDistance)),
      MAX_NEAR_DUPLICATES,
    ]);
    // Closest first: a product's first row is its closest photo.
    for (const row of near) if (!found.has(String(row.product_id))) found.set(String(row.product_id), { kind: "NEAR", photoId: String(row.id) });
    const same = await this.findPhotoBySha256(sha256);
    if (same) found.set(same.product.id, { kind: "EXACT", photoId: same.id });
    return found;
  }

  /** Other products with a photo within `maxDistance` bits of one of this product's photos, each with its closest such photo. */
  async productsNearDuplicating(productId: string, maxDistance: number): Promise<Map<string, string>> {
    const rows = await preparedRows<{ id: string; product_id: string; distance: number }>(this.em, NEAR_DUPLICATES_OF_PRODUCT_STATEMENT, [
      productId,
      maxDistance,
      numberArrayLiteral(bandProbeMasks(maxDistance)),
      MAX_NEAR_DUPLICATES,
    ]);
    const closest = new Map<string, { photoId: string; distance: number }>();
    for (const row of rows) {
      const product = String(row.product_id);
      if (product === productId) continue;
      const held = closest.get(product);
      if (!held || row.distance < held.distance) closest.set(product, { photoId: String(row.id), distance: row.distance });
    }
    return new Map([...closest].map(([product, duplicate]) => [product, duplicate.photoId]));
  }

  async analysesByProductIds(productIds: readonly string[]): Promise<Map<string, Analysis>> {
    const analyses = await this.em.find(Analysis, { product: { $in: [...productIds] } }, { orderBy: { createdAt: "asc" } });
    return new Map(analyses.map((analysis) => [analysis.product.id, analysis])); // the latest wins
  }

  /** Analyses still waiting after `olderThanMs`: their job may never have been sent. */
  async staleUnfinishedAnalysisIds(olderThanMs: number, limit: number): Promise<string[]> {
    const rows = await this.em.execute<Array<{ id: string }>>(
      `select id from analysis where status = 'PENDING' and updated_at < now() - make_interval(secs => ?) order by created_at limit ?`,
      [olderThanMs / 1000, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Deletes a product in one statement: its photos, analyses, tags and
   * vectors follow by cascade, the tag statistics by trigger. Says what it
   * had stored and queued, read in the same snapshot; null when there was no
   * such product.
   */
  async deleteProduct(productId: string): Promise<{ storageKeys: string[]; analysisIds: string[] } | null> {
    const [row] = await this.em.execute<Array<{ deleted: number; storage_keys: string[]; analysis_ids: string[] }>>(
      `with photos as (select storage_key from photo where product_id = ?::uuid),
            analyses as (select id::text from analysis where product_id = ?::uuid),
            gone as (delete from product where id = ?::uuid returning id)
       select (select count(*) from gone)::int as deleted, array(select storage_key from photos) as storage_keys, array(select id from analyses) as analysis_ids`,
      [productId, productId, productId],
    );
    return row && row.deleted > 0 ? { storageKeys: row.storage_keys, analysisIds: row.analysis_ids } : null;
  }

  /** Which of these storage keys a photo row names (for the sweep of stored photos left by a crash). */
  async storedKeysAmong(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.em.execute<Array<{ storage_key: string }>>("select storage_key from photo where storage_key = any(?::text[])", [textArrayLiteral(keys)]);
    return new Set(rows.map((row) => row.storage_key));
  }

  /** Overwrites the product's caption; the search_document trigger re-indexes it. */
  async setCaption(productId: string, caption: string | null): Promise<void> {
    await this.em.nativeUpdate(Product, { id: productId }, { caption });
  }

  async flush(): Promise<void> {
    await this.em.flush();
  }

  /** Writes a photo and its analysis, and its product when that is new: one transaction, all rows or none. */
  async insertPhoto(photo: Photo, analysis: Analysis): Promise<void> {
    this.em.persist(photo.product).persist(photo).persist(analysis);
    try {
      await this.em.flush(); // one transaction: all rows or none
    } catch (error) {
      this.em.clear(); // drop the unsaved entities so the next query starts clean
      throw error;
    }
  }
}
