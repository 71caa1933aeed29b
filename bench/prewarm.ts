import pg from "pg";
import { timed } from "./latency.js";

/** What the searches read: the product rows, the GIN index over their tag ids, and the inverted index. */
const RELATIONS = ["product", "product_tag_ids", "product_tag_pkey"];

/**
 * Loads the searched relations into shared buffers (pg_prewarm, shipped
 * with PostgreSQL), as a server that has been answering searches for a
 * while holds them. Ours and the baseline then start from the same warm
 * cache, whichever runs first. Returns the milliseconds it took.
 */
export async function prewarm(databaseUrl: string): Promise<number> {
  const session = new pg.Client({ connectionString: databaseUrl });
  await session.connect();
  try {
    const { ms } = await timed(async () => {
      await session.query("create extension if not exists pg_prewarm");
      for (const relation of RELATIONS) await session.query("select pg_prewarm($1::regclass)", [relation]);
    });
    return ms;
  } finally {
    await session.end();
  }
}
