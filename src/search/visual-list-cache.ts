import type { EntityManager } from "@mikro-orm/postgresql";
import { preparedRows, type PreparedStatement } from "../db/prepared-statement.js";
import type { EmbeddingModel } from "../analysis/embedding.js";
import { parseEmbedding } from "./embedding-sql.js";
import type { TrainedLists } from "./visual-lists.js";

/** When the model's lists were last built: no row while it has none. */
const TRAINED_AT: PreparedStatement = {
  name: "visual_lists_trained_at",
  text: `select trained_at::text as trained_at from visual_index where model = ? and lists > 0`,
};

interface CachedLists {
  /** visual_index.trained_at of the lists held: a rebuild changes it. */
  trainedAt: string;
  lists: TrainedLists;
}

/**
 * The centroids of each model's IVF lists, held in memory, so a search ranks
 * thousands of lists in Node (a fraction of a millisecond) instead of comparing
 * every centroid with the query in SQL (about 5 µs each). One per process:
 * each search checks with one indexed read that the lists are still the ones
 * held, and reloads them after a rebuild (by any process).
 */
export class VisualListCache {
  private readonly byModel = new Map<string, CachedLists>();

  /**
   * The `probes` lists nearest the vector, nearest first, or null while the
   * model has no lists (every vector is then read). A rebuild that commits
   * between this and the search costs that one search some recall, nothing else.
   */
  async nearest(em: EntityManager, model: EmbeddingModel, vector: readonly number[], probes: number): Promise<number[] | null> {
    const [index] = await preparedRows<{ trained_at: string }>(em, TRAINED_AT, [model.id]);
    if (!index) return null;
    let cached = this.byModel.get(model.id);
    if (cached?.trainedAt !== index.trained_at) {
      cached = await this.load(em, model);
      this.byModel.set(model.id, cached);
    }
    return rankLists(cached.lists, vector, probes);
  }

  private async load(em: EntityManager, model: EmbeddingModel): Promise<CachedLists> {
    // One statement, so the centroids and their trained_at are of the same build.
    const rows = await em.execute<Array<{ list: number; centroid: string; trained_at: string }>>(
      `select l.list, l.centroid::text as centroid, i.trained_at::text as trained_at
       from visual_list l join visual_index i on i.model = l.model where l.model = ? order by l.list`,
      [model.id],
    );
    const k = rows.length === 0 ? 0 : rows[rows.length - 1]!.list + 1;
    const centroids = new Float32Array(k * model.dimension);
    for (const row of rows) centroids.set(parseEmbedding(row.centroid), row.list * model.dimension);
    return { trainedAt: rows[0]?.trained_at ?? "", lists: { dimension: model.dimension, centroids, k } };
  }
}

/** The `probes` lists with the largest dot product with the vector (unit vectors: the nearest), nearest first. */
export function rankLists(lists: TrainedLists, vector: readonly number[], probes: number): number[] {
  const { centroids, dimension, k } = lists;
  const dots = new Float64Array(k);
  for (let list = 0; list < k; list++) {
    let dot = 0;
    const base = list * dimension;
    for (let index = 0; index < dimension; index++) dot += centroids[base + index]! * (vector[index] ?? 0);
    dots[list] = dot;
  }
  return Array.from({ length: k }, (_, list) => list)
    .sort((a, b) => dots[b]! - dots[a]! || a - b)
    .slice(0, probes);
}
