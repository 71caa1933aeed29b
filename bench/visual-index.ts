import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { VisualIndexBuilder, type VisualIndexSettings } from "../src/search/visual-index-builder.js";
import { timed } from "./latency.js";
import { relationSizes, type RelationSize } from "./relation-sizes.js";
import { BENCH_EMBEDDING_MODEL } from "./visual-catalogue.js";

export interface VisualIndexBuild {
  settings: VisualIndexSettings;
  lists: number;
  vectors: number;
  /** VisualIndexBuilder.build: sampling, training in Node, assigning every vector, rewriting the rows list by list. */
  buildMs: number;
  /** Vectors per list: the smallest, the median and the largest list. */
  listSizes: { min: number; median: number; max: number };
  /** VACUUM FULL, then VACUUM ANALYZE, of photo_embedding after the build (see buildVisualIndex). */
  compactMs: number;
  sizes: RelationSize[];
}

/**
 * Builds the model's IVF lists with the app's own VisualIndexBuilder, as the
 * visual-maintenance job does, and times it. The builder rewrites every row
 * (in list order), which leaves the table twice its size, its first half
 * dead rows. A server reuses that space over time; here VACUUM FULL compacts
 * it (keeping the rows' order, so each list stays together on disk), so the
 * brute-force baseline scans live rows only, not a table twice as big.
 */
export async function buildVisualIndex(orm: MikroORM, databaseUrl: string, settings: VisualIndexSettings, seed: number): Promise<VisualIndexBuild> {
  const builder = new VisualIndexBuilder(orm.em.fork(), BENCH_EMBEDDING_MODEL, settings);
  const { result: built, ms: buildMs } = await timed(() => builder.build(seed));
  const session = new pg.Client({ connectionString: databaseUrl });
  await session.connect();
  try {
    // VACUUM FULL leaves the visibility map empty; the plain VACUUM after it sets it, as autovacuum would.
    const { ms: compactMs } = await timed(async () => {
      await session.query("vacuum full photo_embedding");
      await session.query("vacuum analyze photo_embedding");
    });
    const { rows } = await session.query<{ min: number; median: number; max: number }>(
      `select min(size)::int as min, (percentile_disc(0.5) within group (order by size))::int as median, max(size)::int as max
       from (select count(*) as size from photo_embedding where model = $1 group by ivf_list) as lists`,
      [BENCH_EMBEDDING_MODEL.id],
    );
    return {
      settings,
      lists: built.lists,
      vectors: built.vectors,
      buildMs,
      listSizes: rows[0] ?? { min: 0, median: 0, max: 0 },
      compactMs,
      sizes: await relationSizes(session, ["photo_embedding", "visual_list"]),
    };
  } finally {
    await session.end();
  }
}
