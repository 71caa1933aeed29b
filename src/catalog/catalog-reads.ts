import type { EntityManager } from "@mikro-orm/postgresql";
import type { Ref } from "@mikro-orm/core";
import { preparedRows, type PreparedStatement } from "../db/prepared-statement.js";
import { textArrayLiteral } from "../db/sql-arrays.js";
import { CoalescingLoader } from "../db/coalescing-loader.js";
import type { ImageFeatures } from "../analysis/features.js";
import type { Photo } from "./photo.entity.js";
import type { Product } from "./product.entity.js";
import type { ProductCursor } from "./product-repository.js";

/** A product's columns as the entity maps them, for statements that read products by hand (alias p); not search_document or tag_ids. */
export const PRODUCT_COLUMNS = "p.id, p.source_url, p.tags, p.caption, p.external_id, p.title, p.attributes, p.created_at";

const PHOTO_COLUMNS = "ph.id, ph.product_id, ph.storage_key, ph.mime_type, ph.width, ph.height, ph.byte_size, ph.sha256, ph.perceptual_hash, ph.features, ph.created_at";

const PRODUCTS_BY_ID: PreparedStatement = {
  name: "catalog_products_by_id",
  text: `select ${PRODUCT_COLUMNS} from product p where p.id = any(?::uuid[])`,
};

/** Newest first, on the (created_at, id) index: the first page, and the pages after a cursor (two statements, so each keeps a good generic plan). */
const FIRST_PAGE: PreparedStatement = {
  name: "catalog_first_page",
  text: `select ${PRODUCT_COLUMNS} from product p order by p.created_at desc, p.id desc limit ?`,
};
const PAGE_AFTER: PreparedStatement = {
  name: "catalog_page_after",
  text: `select ${PRODUCT_COLUMNS} from product p where (p.created_at, p.id) < (?::timestamptz, ?::uuid) order by p.created_at desc, p.id desc limit ?`,
};

const PHOTOS_OF_PRODUCTS: PreparedStatement = {
  name: "catalog_photos_of_products",
  text: `select ${PHOTO_COLUMNS} from photo ph where ph.product_id = any(?::uuid[]) order by ph.product_id, ph.created_at, ph.id`,
};

type Row = Record<string, unknown>;

/**
 * The catalogue's hot reads (product cards, pages, their photos) as prepared
 * statements whose rows become plain objects of the entities' shape: what
 * GraphQL answers from, without the ORM's query building, hydration and
 * identity map (a profile of `product(id)` put a third of the app's time
 * there). Nothing read here is tracked: a change loads its product through
 * the repository instead.
 */
export class CatalogReads {
  /**
   * @param shared the process's reads of products and photos by id, shared
   *   by every request (SharedCatalogReads), used outside a transaction:
   *   inside one, a read must see the transaction's own writes.
   */
  constructor(
    private readonly em: EntityManager,
    private readonly shared: SharedCatalogReads | null = null,
  ) {}

  /** The products of these ids that exist, by id. */
  async productsByIds(ids: readonly string[]): Promise<Map<string, Product>> {
    if (this.shared && !this.em.getTransactionContext()) return this.shared.products.loadMany(ids);
    const rows = await preparedRows<Row>(this.em, PRODUCTS_BY_ID, [textArrayLiteral(ids)]);
    return new Map(rows.map((row) => [String(row.id), productOfRow(row)]));
  }

  /** One page newest first; fetches one extra row to tell whether more follow. */
  async pageNewestFirst(first: number, after: ProductCursor | null): Promise<{ products: Product[]; hasNextPage: boolean }> {
    const rows = after
      ? await preparedRows<Row>(this.em, PAGE_AFTER, [after.createdAt.toISOString(), after.id, first + 1])
      : await preparedRows<Row>(this.em, FIRST_PAGE, [first + 1]);
    return { products: rows.slice(0, first).map(productOfRow), hasNextPage: rows.length > first };
  }

  /** Photos of many products in one statement, oldest first within each product (DataLoader batch). */
  async photosByProductIds(productIds: readonly string[]): Promise<Map<string, Photo[]>> {
    if (this.shared && !this.em.getTransactionContext()) return this.shared.photos.loadMany(productIds);
    const rows = await preparedRows<Row>(this.em, PHOTOS_OF_PRODUCTS, [textArrayLiteral(productIds)]);
    const byProduct = new Map<string, Photo[]>(productIds.map((id) => [id, []]));
    for (const row of rows) byProduct.get(String(row.product_id))?.push(photoOfRow(row));
    return byProduct;
  }
}

/**
 * Statements of shared reads running at once. One would make the largest
 * batches, but a slow statement (a cold page, a lock) would hold up every
 * card; two keep the batches large under load (on the 1M bench catalogue,
 * uncached `product(id)` went from 1,090-1,250 to 1,450-2,300 req/s).
 */
const SHARED_READS_RUNNING = 2;
/** Ids per shared statement, at most: one `any($1)` of a few hundred uuids stays a quick index walk. */
const SHARED_READS_BATCH = 500;

/**
 * Product cards and their photos by id, asked for by every request of this
 * process at once, one statement per kind while others run
 * (db/coalescing-loader.ts). A request's DataLoader still batches its own
 * ids; this batches the requests'.
 */
export class SharedCatalogReads {
  readonly products: CoalescingLoader<Product>;
  /** Every asked-for product has a list, empty when it has no photo (or does not exist). */
  readonly photos: CoalescingLoader<Photo[]>;

  /** @param createEntityManager one per statement, of the requests' pool */
  constructor(createEntityManager: () => EntityManager) {
    const reads = () => new CatalogReads(createEntityManager());
    const limits = { maxRunning: SHARED_READS_RUNNING, maxBatch: SHARED_READS_BATCH };
    this.products = new CoalescingLoader({ load: (ids) => reads().productsByIds(ids), ...limits });
    this.photos = new CoalescingLoader({ load: (ids) => reads().photosByProductIds(ids), ...limits });
  }
}

/** A product row (PRODUCT_COLUMNS) as a plain object of the entity's shape. */
export function productOfRow(row: Row): Product {
  return {
    id: String(row.id),
    sourceUrl: String(row.source_url),
    tags: (row.tags as string[] | null) ?? [],
    caption: (row.caption as string | null) ?? null,
    externalId: (row.external_id as string | null) ?? null,
    title: (row.title as string | null) ?? null,
    attributes: (row.attributes as Record<string, string> | null) ?? {},
    createdAt: new Date(row.created_at as string),
  };
}

function photoOfRow(row: Row): Photo {
  return {
    id: String(row.id),
    // Only its id: a read never loads the product through its photo.
    product: { id: String(row.product_id) } as Ref<Product>,
    storageKey: String(row.storage_key),
    mimeType: String(row.mime_type),
    width: Number(row.width),
    height: Number(row.height),
    byteSize: Number(row.byte_size),
    sha256: String(row.sha256),
    perceptualHash: row.perceptual_hash == null ? null : BigInt(row.perceptual_hash as string),
    features: (row.features as ImageFeatures | null) ?? null,
    createdAt: new Date(row.created_at as string),
  };
}
