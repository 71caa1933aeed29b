import type { EntityManager } from "@mikro-orm/postgresql";
import { preparedRows, type PreparedStatement } from "../db/prepared-statement.js";
import type { Embedding, EmbeddingModel } from "../analysis/embedding.js";
import { distanceSql, embeddingLiteral, parseEmbedding, partCount, similaritySql } from "./embedding-sql.js";
import { numberArrayLiteral, textArrayLiteral } from "../db/sql-arrays.js";
import { VisualListCache } from "./visual-list-cache.js";
import { attributesConditionSql, attributesParameter } from "./attribute-filter.js";

export interface VisualMatch {
  productId: string;
  /** From 0 to 1: the cosine of the closest of the product's photos to the query (below 0 counts as 0). */
  similarity: number;
  /** That closest photo. */
  photoId: string;
}

export interface VisualFilters {
  /** Tag ids the product must carry (from SimilarityFilters). */
  requiredTagIds: number[];
  createdAfter: Date | null;
  /** Pairs the product's attributes must hold (empty: no filter). */
  attributes: Record<string, string>;
  excludeProductId: string | null;
}

export interface VisualIndexStatus {
  model: string;
  dimension: number;
  /** Photos in the catalogue. */
  photos: number;
  /** Photos with a vector of this model. */
  embedded: number;
  /** IVF lists; 0 while the catalogue is small enough to scan whole. */
  lists: number;
  /** Vectors the lists were trained on. */
  trainedOn: number;
}

/**
 * The lists a search probes when none is asked for. bench:similar at a million
 * synthetic vectors (2,000 lists), recall@10 against the exact scan for another
 * photo of a catalogued product / a photo of a new one: 0.83 / 0.72 with 8,
 * 0.92 / 0.84 with 16, 0.97 / 0.92 with 32; each doubling costs 1.3-1.7× the time.
 */
export const DEFAULT_PROBES = 16;

/** The vector of a product's first photo (by the model), the query of "products like this one". */
const PRODUCT_VECTOR: PreparedStatement = {
  name: "visual_product_vector",
  text: `select e.parts::text as parts from photo_embedding e join photo p on p.id = e.photo_id
         where e.product_id = ?::uuid and e.model = ? order by p.created_at, p.id limit 1`,
};

/**
 * Visual neighbours: photo vectors stored as cube parts, found exactly (a
 * scan) while the catalogue is small, and in an IVF layout once
 * VisualIndexBuilder has trained lists for the model: the `probes` lists
 * nearest the query, exact distances within them.
 */
export class VisualRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly model: EmbeddingModel,
    /** Lists a search probes when the model has an index. */
    private readonly probes = DEFAULT_PROBES,
    /** The process's centroids (shared by every request's repository). */
    private readonly lists = new VisualListCache(),
  ) {}

  private get parts(): number {
    return partCount(this.model.dimension);
  }

  /** Stores (or replaces) a photo's vector, in the list of the model's index nearest to it. */
  async saveEmbedding(photoId: string, productId: string, embedding: Embedding): Promise<void> {
    if (embedding.model !== this.model.id || embedding.vector.length !== this.model.dimension) {
      throw new Error(`An embedding of ${embedding.model} (${embedding.vector.length} dimensions) is not one of ${this.model.id}.`);
    }
    await this.em.execute(
      `with q as (select ?::cube[] as parts)
       insert into photo_embedding (photo_id, product_id, model, dimension, parts, ivf_list)
       select ?, ?, ?, ?, q.parts, (${this.nearestListsSql("?")} limit 1) from q
       on conflict (photo_id) do update set model = excluded.model, dimension = excluded.dimension,
         parts = excluded.parts, ivf_list = excluded.ivf_list, created_at = now()`,
      [embeddingLiteral(embedding.vector), photoId, productId, this.model.id, this.model.dimension, this.model.id],
    );
  }

  /** The vector of a product's oldest embedded photo, or null when it has none (yet). */
  async productVector(productId: string): Promise<number[] | null> {
    const [row] = await preparedRows<{ parts: string }>(this.em, PRODUCT_VECTOR, [productId, this.model.id]);
    return row ? parseEmbedding(row.parts) : null;
  }

  /**
   * The `limit` products whose photos look most like the vector, closest
   * first (ties to the newest product): exact while the model has no lists,
   * else exact within the `probes` lists nearest the vector.
   */
  async nearestProducts(vector: readonly number[], limit: number, filters: VisualFilters, probes = this.probes): Promise<VisualMatch[]> {
    // A product's similarity is its closest photo's, so the first `limit` distinct products
    // among the closest photos are the answer, exactly, once the photos read hold that many.
    // Most products have one or two photos: 2 × limit nearly always does; else read 4× more.
    const lists = await this.listsToProbe(vector, probes);
    for (let photos = limit * 2; ; photos *= 4) {
      const { matches, photosRead } = await this.nearestPhotosByProduct(vector, limit, photos, filters, lists);
      if (matches.length >= limit || photosRead < photos) return matches;
    }
  }

  /** The lists a search reads, nearest first; null: every vector (the model has no lists). */
  protected listsToProbe(vector: readonly number[], probes: number): Promise<number[] | null> {
    return this.lists.nearest(this.em, this.model, vector, probes);
  }

  private async nearestPhotosByProduct(
    vector: readonly number[],
    limit: number,
    photos: number,
    filters: VisualFilters,
    lists: number[] | null,
  ): Promise<{ matches: VisualMatch[]; photosRead: number }> {
    const distance = distanceSql("e.parts", "q.parts", this.parts);
    const conditions: string[] = [];
    const params: unknown[] = [embeddingLiteral(vector), this.model.id];
    if (lists) {
      // Rows not yet in a list are always read, so nothing stored is ever out of reach.
      conditions.push("(e.ivf_list = any(?::int[]) or e.ivf_list is null)");
      params.push(numberArrayLiteral(lists));
    }
    if (filters.excludeProductId) {
      // On the vector's own product_id, not through the product join: a join for this alone
      // made PostgreSQL sort every probed row before the limit (5× the time at 1M products).
      conditions.push("e.product_id <> ?::uuid");
      params.push(filters.excludeProductId);
    }
    const productConditions: string[] = [];
    if (filters.requiredTagIds.length > 0) {
      productConditions.push("p.tag_ids @> ?::int[]");
      params.push(numberArrayLiteral(filters.requiredTagIds));
    }
    if (filters.createdAfter) {
      productConditions.push("p.created_at > ?::timestamptz");
      params.push(filters.createdAfter.toISOString());
    }
    const attributes = attributesParameter(filters.attributes);
    if (attributes) {
      productConditions.push(attributesConditionSql("?::jsonb"));
      params.push(attributes);
    }
    if (productConditions.length > 0) conditions.push(`exists (select 1 from product p where p.id = e.product_id and ${productConditions.join(" and ")})`);
    params.push(photos, limit);
    // Lists probed through the (model, ivf_list) index. The closest
    // photos are kept by a top-N sort as rows are read (no grouping or sorting of every row
    // read); only those are grouped by product and looked up for the tie-break by created_at.
    // Photos tied at exactly the cut's distance are cut by the sort's order, not by product age.
    const rows = await this.em.execute<Array<{ product_id: string; photo_id: string; similarity: number; photos_read: number }>>(
      `with q as (select ?::cube[] as parts),
       nearest_photo as materialized (
         select e.product_id, e.photo_id, ${distance} as distance
         from photo_embedding e cross join q
         where ${["e.model = ?", ...conditions].join(" and ")}
         order by distance limit ?
       )
       select n.product_id, (array_agg(n.photo_id order by n.distance, n.photo_id))[1] as photo_id,
              ${similaritySql("min(n.distance)")} as similarity, (select count(*) from nearest_photo)::int as photos_read
       from nearest_photo n
       group by n.product_id
       order by min(n.distance), (select p.created_at from product p where p.id = n.product_id) desc, n.product_id desc
       limit ?`,
      params,
    );
    return {
      matches: rows.map((row) => ({ productId: row.product_id, similarity: Number(row.similarity), photoId: row.photo_id })),
      photosRead: rows[0]?.photos_read ?? 0,
    };
  }

  /**
   * Visual similarity of given products to the vector, by their closest
   * photo (for candidates found by their tags); products without a vector
   * are left out.
   */
  async similarityOf(vector: readonly number[], productIds: readonly string[]): Promise<Map<string, VisualMatch>> {
    if (productIds.length === 0) return new Map();
    const distance = distanceSql("e.parts", "q.parts", this.parts);
    const rows = await this.em.execute<Array<{ product_id: string; photo_id: string; similarity: number }>>(
      `with q as (select ?::cube[] as parts)
       select distinct on (e.product_id) e.product_id, e.photo_id, ${similaritySql(distance)} as similarity
       from photo_embedding e cross join q where e.product_id = any(?::uuid[]) and e.model = ?
       order by e.product_id, ${distance}, e.photo_id`,
      [embeddingLiteral(vector), textArrayLiteral(productIds), this.model.id],
    );
    return new Map(rows.map((row) => [row.product_id, { productId: row.product_id, similarity: Number(row.similarity), photoId: row.photo_id }]));
  }

  /** Photos with no vector of this model (never embedded, or by an older model), oldest first. */
  async photosToEmbed(limit: number): Promise<Array<{ photoId: string; productId: string }>> {
    const rows = await this.em.execute<Array<{ id: string; product_id: string }>>(
      `select p.id, p.product_id from photo p
       where not exists (select 1 from photo_embedding e where e.photo_id = p.id and e.model = ?)
       order by p.created_at, p.id limit ?`,
      [this.model.id, limit],
    );
    return rows.map((row) => ({ photoId: row.id, productId: row.product_id }));
  }

  async status(): Promise<VisualIndexStatus> {
    const [row] = await this.em.execute<Array<{ photos: string; embedded: string; lists: number | null; trained_on: number | null }>>(
      `select (select count(*) from photo) as photos,
              (select count(*) from photo_embedding where model = ?) as embedded,
              i.lists, i.trained_on
       from (select 1) as one left join visual_index i on i.model = ?`,
      [this.model.id, this.model.id],
    );
    return {
      model: this.model.id,
      dimension: this.model.dimension,
      photos: Number(row?.photos ?? 0),
      embedded: Number(row?.embedded ?? 0),
      lists: row?.lists ?? 0,
      trainedOn: row?.trained_on ?? 0,
    };
  }

  /**
   * Lists of the model's index, nearest the query vector (a CTE `q` with
   * `parts`) first: a statement fragment, to finish with `limit`.
   */
  private nearestListsSql(model: string): string {
    return `select l.list from visual_list l cross join q where l.model = ${model} order by ${distanceSql("l.centroid", "q.parts", this.parts)}`;
  }
}
