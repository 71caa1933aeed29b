import type { EntityManager } from "@mikro-orm/postgresql";
import type { EmbeddingModel } from "../analysis/embedding.js";
import { distanceSql, embeddingLiteral, partCount } from "./embedding-sql.js";
import { numberArrayLiteral, textArrayLiteral } from "../db/sql-arrays.js";
import type { TrainedLists } from "./visual-lists.js";
import { VisualListsThread } from "./visual-lists-thread.js";

export interface VisualIndexSettings {
  /** Below this many vectors a search scans them all (exact, and fast enough). */
  minVectors: number;
  /** About this many vectors per list: a probe reads that many rows. */
  vectorsPerList: number;
  /** Vectors the lists are trained on. */
  sampleSize: number;
  /** Retrain once the catalogue has grown this many times past what the lists were trained on. */
  growthFactor: number;
}

export const DEFAULT_VISUAL_INDEX: VisualIndexSettings = { minVectors: 20_000, vectorsPerList: 500, sampleSize: 40_000, growthFactor: 2 };

const MAX_LISTS = 4096;
const ASSIGN_BATCH = 5_000;

/**
 * Trains the IVF lists of a model and moves every vector into its nearest
 * list, in one transaction, so searches see the old lists or the new ones,
 * never a mix. Rows are rewritten list by list, which leaves each list's rows
 * close together on disk. Vectors stored while it ran are placed afterwards.
 */
export class VisualIndexBuilder {
  constructor(
    private readonly em: EntityManager,
    private readonly model: EmbeddingModel,
    private readonly settings: VisualIndexSettings = DEFAULT_VISUAL_INDEX,
  ) {}

  /** Whether the lists are missing (and the catalogue is big enough for them) or the catalogue outgrew them. */
  async due(): Promise<boolean> {
    const [row] = await this.em.execute<Array<{ vectors: string; trained_on: number | null }>>(
      `select (select count(*) from photo_embedding where model = ?) as vectors, (select trained_on from visual_index where model = ?) as trained_on`,
      [this.model.id, this.model.id],
    );
    return this.dueFor(Number(row?.vectors ?? 0), row?.trained_on ?? 0);
  }

  /** Whether lists are due for `vectors` of the model, the current ones trained on `trainedOn` (0: none yet). */
  dueFor(vectors: number, trainedOn: number): boolean {
    return vectors >= this.settings.minVectors && vectors >= trainedOn * this.settings.growthFactor;
  }

  async build(seed = 1): Promise<{ lists: number; vectors: number }> {
    const started = new Date();
    const sample = (
      await this.em.execute<Array<{ parts: string }>>(
        `select parts::text as parts from photo_embedding where model = ? order by md5(photo_id::text || ?) limit ?`,
        [this.model.id, String(seed), this.settings.sampleSize],
      )
    ).map((row) => row.parts);
    if (sample.length === 0) return { lists: 0, vectors: 0 };
    const [counted] = await this.em.execute<Array<{ count: string }>>(`select count(*) from photo_embedding where model = ?`, [this.model.id]);
    const vectors = Number(counted?.count ?? 0);
    const k = Math.max(1, Math.min(MAX_LISTS, Math.round(vectors / this.settings.vectorsPerList)));
    const thread = new VisualListsThread();
    try {
      return await this.buildWith(thread, sample, k, vectors, seed, started);
    } finally {
      await thread.close();
    }
  }

  private async buildWith(thread: VisualListsThread, sample: string[], k: number, vectors: number, seed: number, started: Date): Promise<{ lists: number; vectors: number }> {
    const lists = await thread.train(sample, k, seed);
    await this.em.transactional(async (em) => {
      await em.execute(`delete from visual_list where model = ?`, [this.model.id]);
      await em.execute(
        `insert into visual_list (model, list, centroid) select ?, x.list - 1, x.centroid::cube[] from unnest(?::text[]) with ordinality as x(centroid, list)`,
        [this.model.id, textArrayLiteral(centroidLiterals(lists))],
      );
      const assigned = await this.assignAll(em, lists, thread);
      for (let start = 0; start < assigned.length; start += ASSIGN_BATCH) {
        const batch = assigned.slice(start, start + ASSIGN_BATCH);
        await em.execute(
          `update photo_embedding e set ivf_list = x.list from unnest(?::uuid[], ?::int[]) as x(photo_id, list) where e.photo_id = x.photo_id`,
          [textArrayLiteral(batch.map((row) => row.photoId)), numberArrayLiteral(batch.map((row) => row.list))],
        );
      }
      await em.execute(
        `insert into visual_index (model, dimension, lists, trained_on) values (?, ?, ?, ?)
         on conflict (model) do update set dimension = excluded.dimension, lists = excluded.lists, trained_on = excluded.trained_on, trained_at = now()`,
        [this.model.id, this.model.dimension, lists.k, vectors],
      );
    });
    await this.placeSince(started);
    return { lists: lists.k, vectors };
  }

  /** Every vector's nearest list, sorted by list (the order the rows are rewritten in). */
  private async assignAll(em: EntityManager, lists: TrainedLists, thread: VisualListsThread): Promise<Array<{ photoId: string; list: number }>> {
    const assigned: Array<{ photoId: string; list: number }> = [];
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const rows = await em.execute<Array<{ photo_id: string; parts: string }>>(
        `select photo_id, parts::text as parts from photo_embedding where model = ? and photo_id > ? order by photo_id limit ?`,
        [this.model.id, after, ASSIGN_BATCH],
      );
      (await thread.assign(lists, rows.map((row) => row.parts))).forEach((list, index) => assigned.push({ photoId: rows[index]!.photo_id, list }));
      if (rows.length < ASSIGN_BATCH) break;
      after = rows[rows.length - 1]!.photo_id;
    }
    return assigned.sort((a, b) => a.list - b.list);
  }

  /** Vectors stored while the lists were being built went to the old lists: place them in the new ones. */
  private async placeSince(started: Date): Promise<void> {
    await this.em.execute(
      `update photo_embedding e set ivf_list = (
         select l.list from visual_list l where l.model = e.model order by ${distanceSql("l.centroid", "e.parts", partCount(this.model.dimension))} limit 1)
       where e.model = ? and e.created_at >= ?`,
      [this.model.id, started.toISOString()],
    );
  }
}

function centroidLiterals(lists: TrainedLists): string[] {
  return Array.from({ length: lists.k }, (_, list) => embeddingLiteral(Array.from(lists.centroids.subarray(list * lists.dimension, (list + 1) * lists.dimension))));
}
