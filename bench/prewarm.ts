import pg from "pg";
import { timed } from "./latency.js";

/** What the searches read: the product rows, the GIN index over their tag ids, and the inverted index. */
const RELATIONS = ["product", "product_tag_ids", "product_tag_pkey"];
/**
 * What visual search reads besides: the lists' centroids, the index of the
 * vectors by list and by product, and the product key (candidates are
 * joined to their products).
 */
const VISUAL_RELATIONS = ["visual_list", "visual_list_pkey", "photo_embedding_list", "photo_embedding_product", "product_pkey"];
/** The vectors themselves (about 1 GiB at 1M) do not fit in shared buffers beside the rest: they are read into the OS cache. */
const VISUAL_TABLE = "photo_embedding";

/**
 * Loads the searched relations into shared buffers (pg_prewarm, shipped
 * with PostgreSQL), as a server that has been answering searches for a
 * while holds them. Ours and the baseline then start from the same warm
 * cache, whichever runs first. With `visual`, also what visual search reads
 * (the vectors into the OS cache). Returns the milliseconds it took.
 */
export async function prewarm(databaseUrl: string, visual = false): Promise<number> {
  const session = new pg.Client({ connectionString: databaseUrl });
  await session.connect();
  try {
    const { ms } = await timed(async () => {
      await session.query("create extension if not exists pg_prewarm");
      if (visual) await session.query("select pg_prewarm($1::regclass, 'read')", [VISUAL_TABLE]);
      for (const relation of [...RELATIONS, ...(visual ? VISUAL_RELATIONS : [])]) await session.query("select pg_prewarm($1::regclass)", [relation]);
    });
    return ms;
  } finally {
    await session.end();
  }
}
