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
 * Tag overlap, in one statement. `tags && query` is the candidate filter,
 * served by the GIN index product_tags_gin when the query's tags are rare
 * (for common ones the planner rightly reads the table instead: it sees the
 * tags, as they arrive as one array literal). Candidates are ranked by how
 * many query tags they carry, newest first on ties; the matched tags are
 * listed only for the top k.
 */
export const SIMILAR_BY_TAG_OVERLAP = `
  with top as (
    select p.id, p.created_at, (select count(*) from unnest(p.tags) as t where t = any(?::text[]))::int as score
    from product p
    where p.tags && ?::text[]
    order by score desc, p.created_at desc, p.id desc
    limit ?
  )
  select p.*, top.score, array(select t from unnest(p.tags) as t where t = any(?::text[]) order by t) as matched_tags
  from top
  join product p on p.id = top.id
  order by top.score desc, top.created_at desc, top.id desc`;

/** A text[] literal; quoting every element keeps commas, braces and quotes in tags harmless. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

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
    const query = textArrayLiteral(tags);
    const rows = await this.em.execute<ProductRow[]>(SIMILAR_BY_TAG_OVERLAP, [query, query, limit, query]);
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
