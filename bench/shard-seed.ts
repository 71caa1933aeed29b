import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { CopyIn } from "./copy-in.js";
import { dropIndexes } from "./deferred-indexes.js";
import { timed } from "./latency.js";
import { shardOf, shardOfBytes } from "./sharded-top-k.js";
import { fillCounts } from "./seed-catalog.js";

export interface ShardSeedStats {
  /** Products and product_tag rows each shard got. */
  products: number[];
  productTags: number[];
  /** Reading the single database's rows and COPYing each into its shard. */
  copyMs: number;
  /** Re-creating product_tag's indexes and the GIN index over product.tag_ids on every shard. */
  indexMs: number;
  /** Each shard's tag_stats and catalog_stats counted from its own rows. */
  countsMs: number;
  vacuumAnalyzeMs: number;
  /** Checking that every product is on the shard its id hashes to. */
  checkMs: number;
}

const NEWLINE = 0x0a;
const TAB = 0x09;

/**
 * Fills the (migrated, empty) shard databases with the products of the
 * single, seeded one, each on shard shardOf(id): the same rows, so both
 * layouts hold exactly the same catalogue. As seed-catalog.ts loads the
 * single database: the vocabulary first (the same tag ids), then product and
 * product_tag by COPY, read from the single database by COPY … TO STDOUT and
 * routed row by row, the per-row triggers skipped; the indexes rebuilt after
 * the load, the counts filled in bulk from each shard's own rows (so each
 * shard's tag_stats counts its own products only), then VACUUM ANALYZE.
 */
export async function seedShardsFrom(sourceUrl: string, shardUrls: readonly string[]): Promise<ShardSeedStats> {
  const sessions: pg.Client[] = [];
  const session = async (url: string, loader: boolean) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    sessions.push(client);
    if (loader) {
      // As seed-catalog.ts: no per-row triggers (counters, search_document, foreign keys), room for index builds.
      await client.query("set session_replication_role = replica");
      await client.query("set maintenance_work_mem = '256MB'");
    }
    return client;
  };
  try {
    const productSource = await session(sourceUrl, false);
    const tagSource = await session(sourceUrl, false);
    const shards = await Promise.all(shardUrls.map(async (url) => ({ product: await session(url, true), tag: await session(url, true) })));

    const { rows: vocabulary } = await productSource.query<{ id: number; tag: string }>("select id, tag from tag_stats order by id");
    const rebuilds: Array<Record<"tag" | "product", { rebuild(): Promise<void> }>> = [];
    for (const shard of shards) {
      await shard.product.query("insert into tag_stats (id, tag) select * from unnest($1::int[], $2::text[])", [vocabulary.map((row) => row.id), vocabulary.map((row) => row.tag)]);
      await shard.product.query("select setval(pg_get_serial_sequence('tag_stats', 'id'), $1)", [Math.max(1, ...vocabulary.map((row) => row.id))]);
      rebuilds.push({ tag: await dropIndexes(shard.tag, "product_tag"), product: await dropIndexes(shard.product, "product", ["product_tag_ids"]) });
      // Truncated in the COPY's transaction, so COPY … FREEZE writes product_tag's rows already frozen.
      await shard.tag.query("begin");
      await shard.tag.query("truncate product_tag");
    }

    const { result: counts, ms: copyMs } = await timed(async () => {
      const productSinks = shards.map((shard) => CopyIn.start(shard.product, "copy product (id, source_url, tags, tag_ids, tag_confidences, created_at) from stdin"));
      const tagSinks = shards.map((shard) => CopyIn.start(shard.tag, "copy product_tag (tag_id, product_id, confidence, created_at) from stdin with (freeze)"));
      try {
        await Promise.all([
          route(productSource, "copy product (id, source_url, tags, tag_ids, tag_confidences, created_at) to stdout", 0, productSinks),
          route(tagSource, "copy product_tag (tag_id, product_id, confidence, created_at) to stdout", 1, tagSinks),
        ]);
        const products = await Promise.all(productSinks.map((sink) => sink.end()));
        const productTags = await Promise.all(tagSinks.map((sink) => sink.end()));
        for (const shard of shards) await shard.tag.query("commit");
        return { products, productTags };
      } catch (error) {
        for (const sink of [...productSinks, ...tagSinks]) sink.abort(error as Error);
        throw error;
      }
    });

    const { ms: indexMs } = await timed(() => Promise.all(rebuilds.flatMap((rebuild) => [rebuild.tag.rebuild(), rebuild.product.rebuild()])));
    const { ms: countsMs } = await timed(() => Promise.all(shards.map((shard) => fillCounts(shard.product))));
    const { ms: vacuumAnalyzeMs } = await timed(() => Promise.all(shards.map((shard) => shard.product.query("vacuum analyze product, product_tag, tag_stats, catalog_stats"))));
    const { ms: checkMs } = await timed(() => checkPlacement(shards.map((shard) => shard.product), counts.products, productSource));
    return { ...counts, copyMs, indexMs, countsMs, vacuumAnalyzeMs, checkMs };
  } finally {
    await Promise.all(sessions.map((client) => client.end()));
  }
}

/**
 * Streams a COPY … TO STDOUT of the source and sends each row, unchanged, to
 * the shard its product id (field `idField`) hashes to. Rows in COPY's text
 * format end at a newline byte (a newline inside a value is written `\n`);
 * the stream's chunks are cut anywhere, so a row may span two.
 */
async function route(source: pg.Client, statement: string, idField: number, sinks: readonly CopyIn[]): Promise<void> {
  const stream = source.query(copyTo(statement));
  let rest: Buffer | null = null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const data: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      let fieldStart = start;
      for (let field = 0; field < idField; field++) fieldStart = data.indexOf(TAB, fieldStart) + 1;
      const fieldEnd = data.indexOf(TAB, fieldStart);
      const shard = shardOfBytes(data, fieldStart, fieldEnd, sinks.length);
      // The row, already in COPY text form, as one field (CopyIn joins fields with tabs and ends the row).
      sinks[shard]!.add([data.toString("utf8", start, end)]);
      start = end + 1;
    }
    rest = start < data.length ? data.subarray(start) : null;
    // Right after the writes, with no await between: a sink's 'drain' cannot have passed unseen.
    await Promise.all(sinks.map((sink) => sink.drain()));
  }
  if (rest) throw new Error(`${statement}: the output ended inside a row`);
}

/** Every shard holds only products whose ids hash to it, and all of them together are the single database's. */
async function checkPlacement(shards: readonly pg.Client[], routed: readonly number[], source: pg.Client): Promise<void> {
  const [{ count }] = (await source.query<{ count: string }>("select count(*) from product")).rows as [{ count: string }];
  const total = routed.reduce((sum, products) => sum + products, 0);
  if (total !== Number(count)) throw new Error(`the shards got ${total} products, the single database holds ${count}`);
  for (const [index, shard] of shards.entries()) {
    const { rows } = await shard.query<{ id: string }>("select id from product");
    const misplaced = rows.find((row) => shardOf(row.id, shards.length) !== index);
    if (misplaced) throw new Error(`product ${misplaced.id} is on shard ${index}, its id hashes to shard ${shardOf(misplaced.id, shards.length)}`);
    if (rows.length !== routed[index]) throw new Error(`shard ${index} holds ${rows.length} products, ${routed[index]} were sent to it`);
  }
}
