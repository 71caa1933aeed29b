import type { EntityManager } from "@mikro-orm/postgresql";
import { Analysis } from "./analysis.entity.js";
import { Photo } from "./photo.entity.js";
import { Product } from "./product.entity.js";

export interface ScoredProduct {
  product: Product;
  /** How many of the query's tags the product carries. */
  score: number;
  matchedTags: string[];
}

export interface ProductCursor {
  createdAt: Date;
  id: string;
}

type ProductRow = Record<string, unknown> & { matched_tags?: string[]; score?: number };

/**
 * Tag overlap, in one statement. `tags && query` is the candidate filter and
 * is served by the GIN index product_tags_gin, so only products sharing at
 * least one tag are read; each is scored by how many query tags it carries.
 * Ties go to the newest product. The tags arrive as one JSON array (the
 * driver would spread a JS array into a list of parameters).
 */
export const SIMILAR_BY_TAG_OVERLAP = `
  with query as (select array(select jsonb_array_elements_text(?::jsonb)) as tags)
  select p.*, m.matched_tags, cardinality(m.matched_tags) as score
  from query q
  join product p on p.tags && q.tags
  cross join lateral (
    select coalesce(array_agg(t order by t), '{}') as matched_tags
    from unnest(p.tags) as t
    where t = any(q.tags)
  ) m
  order by score desc, p.created_at desc, p.id desc
  limit ?`;

/** Newest first, keyset-paginated on the (created_at, id) index. */
const PAGE_NEWEST_FIRST = `
  select p.* from product p
  where (?::timestamptz is null or (p.created_at, p.id) < (?::timestamptz, ?::uuid))
  order by p.created_at desc, p.id desc
  limit ?`;

/** The SQL that matters lives here; the ORM does the rest. */
export class ProductRepository {
  constructor(private readonly em: EntityManager) {}

  findById(id: string): Promise<Product | null> {
    return this.em.findOne(Product, { id });
  }

  findBySourceUrl(sourceUrl: string): Promise<Product | null> {
    return this.em.findOne(Product, { sourceUrl });
  }

  findPhotoById(id: string): Promise<Photo | null> {
    return this.em.findOne(Photo, { id });
  }

  /** Photos of many products in one query, oldest first within each product (DataLoader batch). */
  async photosByProductIds(productIds: readonly string[]): Promise<Map<string, Photo[]>> {
    const photos = await this.em.find(Photo, { product: { $in: [...productIds] } }, { orderBy: { createdAt: "asc", id: "asc" } });
    const byProduct = new Map<string, Photo[]>(productIds.map((id) => [id, []]));
    for (const photo of photos) byProduct.get(photo.product.id)?.push(photo);
    return byProduct;
  }

  async findByTagOverlap(tags: readonly string[], limit: number): Promise<ScoredProduct[]> {
    if (tags.length === 0) return [];
    const rows = await this.em.execute<ProductRow[]>(SIMILAR_BY_TAG_OVERLAP, [JSON.stringify(tags), limit]);
    return rows.map((row) => ({
      product: this.toProduct(row),
      score: Number(row.score),
      matchedTags: row.matched_tags ?? [],
    }));
  }

  /** One page newest first; fetches one extra row to tell whether more follow. */
  async pageNewestFirst(first: number, after: ProductCursor | null): Promise<{ products: Product[]; hasNextPage: boolean }> {
    const at = after?.createdAt.toISOString() ?? null;
    const rows = await this.em.execute<ProductRow[]>(PAGE_NEWEST_FIRST, [at, at, after?.id ?? null, first + 1]);
    return { products: rows.slice(0, first).map((row) => this.toProduct(row)), hasNextPage: rows.length > first };
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

  async flush(): Promise<void> {
    await this.em.flush();
  }

  async insertProduct(product: Product, photo: Photo, analysis: Analysis): Promise<void> {
    this.em.persist(product).persist(photo).persist(analysis);
    try {
      await this.em.flush(); // one transaction: all rows or none
    } catch (error) {
      this.em.clear(); // drop the unsaved entities so the next query starts clean
      throw error;
    }
  }

  private toProduct(row: ProductRow): Product {
    const { matched_tags: _matched, score: _score, ...columns } = row;
    return this.em.map(Product, columns);
  }
}
