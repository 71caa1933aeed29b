import type { EntityManager } from "@mikro-orm/postgresql";
import type { Embedding, EmbeddingModel } from "../analysis/embedding.js";
import { distanceSql, embeddingLiteral, parseEmbedding, partCount, similaritySql } from "./embedding-sql.js";
import { numberArrayLiteral, textArrayLiteral } from "./sql-arrays.js";

export interface VisualMatch {
  productId: string;
  /** From 0 to 1: the cosine of the closest of the product's photos to the query (below 0 counts as 0). */
  similarity: number;
}

export interface VisualFilters {
  /** Tag ids the product must carry (from SimilarityFilters). */
  requiredTagIds: number[];
  createdAfter: Date | null;
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

/** The lists a search probes when none is asked for: measured by bench:similar for recall ≥ 0.95. */
export const DEFAULT_PROBES = 8;

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
    const [row] = await this.em.execute<Array<{ parts: string }>>(
      `select e.parts::text as parts from photo_embedding e join photo p on p.id = e.photo_id
       where e.product_id = ? and e.model = ? order by p.created_at, p.id limit 1`,
      [productId, this.model.id],
    );
    return row ? parseEmbedding(row.parts) : null;
  }

  /**
   * The `limit` products whose photos look most like the vector, closest
   * first (ties to the newest product): exact while the model has no lists,
   * else exact within the `probes` lists nearest the vector.
   */
  async nearestProducts(vector: readonly number[], limit: number, filters: VisualFilters, probes = this.probes): Promise<VisualMatch[]> {
    const query = embeddingLiteral(vector);
    const distance = distanceSql("e.parts", "q.parts", this.parts);
    const conditions: string[] = [];
    const params: unknown[] = [query, this.model.id, probes, this.model.id];
    if (filters.requiredTagIds.length > 0) {
      conditions.push("p.tag_ids @> ?::int[]");
      params.push(numberArrayLiteral(filters.requiredTagIds));
    }
    if (filters.createdAfter) {
      conditions.push("p.created_at > ?::timestamptz");
      params.push(filters.createdAfter.toISOString());
    }
    if (filters.excludeProductId) {
      conditions.push("p.id <> ?::uuid");
      params.push(filters.excludeProductId);
    }
    params.push(limit - 1, limit);
    // Lists probed through the (model, ivf_list) index; rows not yet in a list (none while
    // there is no index) are always read, so nothing stored is ever out of reach. Each row's
    // similarity is computed as it is read and kept apart (materialized) from the grouping that
    // keeps each product's closest photo: aggregating the rows directly spilled the vectors to
    // disk (the grouping is sized from a fixed guess of the candidates), and a join to product
    // first had the planner ship every vector through a parallel Gather, to compute the distances
    // above it in one process. Only the products at least as close as the limit-th closest
    // candidate are then looked up, for the tie-break by created_at.
    const rows = await this.em.execute<Array<{ product_id: string; similarity: number }>>(
      `with q as (select ?::cube[] as parts),
       probe as (${this.nearestListsSql("?")} limit ?),
       scored as materialized (
         select e.product_id, ${similaritySql(distance)} as similarity
         from photo_embedding e cross join q
         where e.model = ? and (e.ivf_list = any(array(select list from probe)) or e.ivf_list is null)
           ${conditions.length > 0 ? `and exists (select 1 from product p where p.id = e.product_id and ${conditions.join(" and ")})` : ""}
       ),
       candidate as (select product_id, max(similarity) as similarity from scored group by product_id)
       select c.product_id, c.similarity
       from candidate c
       where c.similarity >= coalesce((select similarity from candidate order by similarity desc offset ? limit 1), 0)
       order by c.similarity desc, (select p.created_at from product p where p.id = c.product_id) desc, c.product_id desc
       limit ?`,
      params,
    );
    return rows.map((row) => ({ productId: row.product_id, similarity: Number(row.similarity) }));
  }

  /** Visual similarity of given products to the vector (for candidates found by their tags); 0 for products without a vector. */
  async similarityOf(vector: readonly number[], productIds: readonly string[]): Promise<Map<string, number>> {
    if (productIds.length === 0) return new Map();
    const rows = await this.em.execute<Array<{ product_id: string; similarity: number }>>(
      `with q as (select ?::cube[] as parts)
       select e.product_id, max(${similaritySql(distanceSql("e.parts", "q.parts", this.parts))}) as similarity
       from photo_embedding e cross join q where e.product_id = any(?::uuid[]) and e.model = ? group by e.product_id`,
      [embeddingLiteral(vector), textArrayLiteral(productIds), this.model.id],
    );
    return new Map(rows.map((row) => [row.product_id, Number(row.similarity)]));
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
