import pg from "pg";
import { timed } from "./latency.js";

/** What the searches read: the product rows, the GIN index over their tag ids, the inverted index, and its certain carriers newest first. */
const RELATIONS = ["product", "product_tag_ids", "product_tag_pkey", "product_tag_newest_certain"];
/**
 * What visual search reads besides: the lists' centroids, the index of the
 * vectors by list and by product, and the product key (candidates are
 * joined to their products).
 */
const VISUAL_RELATIONS = ["visual_list", "visual_list_pkey", "photo_embedding_list", "photo_embedding_product", "product_pkey"];
/** The vectors themselves (about 1 GiB at 1M) do not fit in shared buffers beside the rest: they are read into the OS cache. */
const VISUAL_TABLE = "photo_embedding";

/**
 * What bench:http's reads touch besides: the catalogue's pages (by creation
 * and by id), their photos, the tags matched per product, full text, and
 * pHash near duplicates (its four band indexes). At 1M products these and
 * the searched relations take about 3.4 GB, within the embedded server's
 * 4 GiB of buffers; the vectors go to the OS cache, as above.
 */
const READ_PATH_RELATIONS = [
  "photo",
  "photo_product_id",
  "photo_phash_band_0",
  "photo_phash_band_1",
  "photo_phash_band_2",
  "photo_phash_band_3",
  "product_tag",
  "product_tag_product_id",
  "product_search_document",
  "product_created_at_id",
  "tag_stats",
  "catalog_stats",
];

/**
 * Loads the searched relations into shared buffers (pg_prewarm, shipped
 * with PostgreSQL), as a server that has been answering searches for a
 * while holds them. Ours and the baseline then start from the same warm
 * cache, whichever runs first. With `visual`, also what visual search reads
 * (the vectors into the OS cache). Returns the milliseconds it took.
 */
export function prewarm(databaseUrl: string, visual = false): Promise<number> {
  return load(databaseUrl, visual ? [VISUAL_TABLE] : [], [...RELATIONS, ...(visual ? VISUAL_RELATIONS : [])]);
}

/**
 * Everything bench:http's reads touch, so that no read's first round runs
 * on a cold cache (at 1M, 5 s of warm-up per read filled too little of
 * 4 GiB: deep pages rose from 225 to 1,195 req/s over three rounds). The
 * most read relations are loaded last, so that on a server with fewer
 * buffers they are the ones kept.
 */
export function prewarmReadPath(databaseUrl: string): Promise<number> {
  return load(databaseUrl, [VISUAL_TABLE], [...READ_PATH_RELATIONS, ...VISUAL_RELATIONS, ...RELATIONS]);
}

/** `intoOsCache` read through (pg_prewarm's 'read' mode), then `intoBuffers` loaded into shared buffers, in order. */
async function load(databaseUrl: string, intoOsCache: readonly string[], intoBuffers: readonly string[]): Promise<number> {
  const session = new pg.Client({ connectionString: databaseUrl });
  await session.connect();
  try {
    const { ms } = await timed(async () => {
      await session.query("create extension if not exists pg_prewarm");
      for (const relation of intoOsCache) await session.query("select pg_prewarm($1::regclass, 'read')", [relation]);
      for (const relation of intoBuffers) await session.query("select pg_prewarm($1::regclass)", [relation]);
    });
    return ms;
  } finally {
    await session.end();
  }
}
