import pg from "pg";
import type { ImageFeatures } from "../src/analysis/features.js";
import { tagEvidence, type TagEvidence } from "../src/analysis/tags.js";
import { textArrayLiteral } from "../src/db/sql-arrays.js";
import { CopyIn, copyText } from "./copy-in.js";
import { dropIndexes } from "./deferred-indexes.js";
import { timed } from "./latency.js";
import { SeededRandom } from "./random.js";
import { relationSizes, type RelationSize } from "./relation-sizes.js";
import type { VisualCatalogue } from "./visual-catalogue.js";
import type { Workload } from "./workloads.js";

export interface SeedStats {
  products: number;
  productTags: number;
  /** Distinct tags in tag_stats. */
  vocabulary: number;
  averageTags: number;
  /** Generating the catalogue and COPYing it in (product and product_tag at once, over two connections). */
  copyMs: number;
  /** Re-creating product_tag's primary key and index over the loaded rows. */
  indexMs: number;
  /** tag_stats.product_count and confidence_sum, and catalog_stats.product_count, counted from the loaded rows. */
  countsMs: number;
  vacuumAnalyzeMs: number;
  sizes: RelationSize[];
  /** With the visual half: one photo and one vector per product, COPYed alongside (in copyMs). */
  visual: { photos: number; kinds: number; lines: number } | null;
}

const FIRST_CREATED_AT = Date.parse("2025-01-01T00:00:00Z");
/** Products between two waits for the COPY streams to catch up. */
const DRAIN_EVERY = 1_000;

/**
 * Fills the (migrated, empty) catalogue with a deterministic synthetic one,
 * as fast as PostgreSQL allows: COPY instead of inserts, the per-row
 * triggers skipped (the counts they keep are filled in bulk afterwards),
 * product_tag's indexes built once after the load, then VACUUM ANALYZE.
 * product.search_document stays empty: its trigger is skipped too, and the
 * similarity search does not read it.
 */
export async function seedCatalog(databaseUrl: string, products: number, seed: number, workload: Workload, visual: VisualCatalogue | null = null): Promise<SeedStats> {
  const sessions: pg.Client[] = [];
  try {
    const productSession = await loaderSession(databaseUrl, sessions);
    const tagSession = await loaderSession(databaseUrl, sessions);
    const visualSessions = visual ? { photo: await loaderSession(databaseUrl, sessions), embedding: await loaderSession(databaseUrl, sessions) } : null;
    const tagIds = await insertVocabulary(productSession, workload.vocabulary());
    const productTagIndexes = await dropIndexes(tagSession, "product_tag");
    // The GIN index over product.tag_ids is built once after the load, not entry by entry.
    const productTagIdsIndex = await dropIndexes(productSession, "product", ["product_tag_ids"]);
    // photo's and photo_embedding's too: the sha256 and storage key constraints, the pHash bands, the lists'. Not
    // photo's primary key, which other tables' foreign keys need.
    const visualIndexes = visualSessions
      ? [
          await dropIndexes(visualSessions.photo, "photo", await indexNames(visualSessions.photo, "photo", ["photo_pkey"])),
          await dropIndexes(visualSessions.embedding, "photo_embedding"),
        ]
      : [];

    const catalogue = syntheticProducts(products, seed, workload);
    const { result: productTags, ms: copyMs } = await timed(() =>
      copyCatalogue(productSession, tagSession, tagIds, catalogue, visual && visualSessions ? { catalogue: visual, ...visualSessions } : null),
    );
    const { ms: indexMs } = await timed(async () => {
      await Promise.all([
        (async () => {
          await productTagIndexes.rebuild();
          await productTagIdsIndex.rebuild();
        })(),
        (async () => {
          for (const indexes of visualIndexes) await indexes.rebuild();
        })(),
      ]);
    });
    const { ms: countsMs } = await timed(() => fillCounts(productSession));
    const tables = ["product", "product_tag", "tag_stats", "catalog_stats", ...(visual ? ["photo", "photo_embedding"] : [])];
    const { ms: vacuumAnalyzeMs } = await timed(() => productSession.query(`vacuum analyze ${tables.join(", ")}`));
    return {
      products,
      productTags,
      vocabulary: tagIds.size,
      averageTags: productTags / products,
      copyMs,
      indexMs,
      countsMs,
      vacuumAnalyzeMs,
      sizes: await relationSizes(productSession, ["product", "product_tag", ...(visual ? ["photo", "photo_embedding"] : [])]),
      visual: visual ? { photos: products, kinds: visual.embeddings.kindCount, lines: visual.embeddings.lineCount } : null,
    };
  } finally {
    await Promise.all(sessions.map((session) => session.end()));
  }
}

/**
 * A connection that skips per-row triggers: the counters' and
 * search_document's, and the foreign-key checks (the rows are consistent by
 * construction). Only a superuser, or a role granted SET on the parameter,
 * may do that.
 */
async function loaderSession(databaseUrl: string, sessions: pg.Client[]): Promise<pg.Client> {
  const session = new pg.Client({ connectionString: databaseUrl });
  await session.connect();
  sessions.push(session);
  try {
    await session.query("set session_replication_role = replica");
  } catch (error) {
    throw new Error(
      "seeding skips the per-row triggers with `set session_replication_role = replica`, which needs a superuser " +
        "(or `grant set on parameter session_replication_role`). The embedded server's user is one; " +
        "give BENCH_DATABASE_URL such a user, or leave it unset.",
      { cause: error },
    );
  }
  // Index builds sort every product_tag row: with room in memory they do not spill to disk.
  await session.query("set maintenance_work_mem = '512MB'");
  return session;
}

/** A table's indexes but some. */
async function indexNames(session: pg.Client, table: string, except: readonly string[]): Promise<string[]> {
  const { rows } = await session.query<{ name: string }>(
    "select i.relname as name from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = $1::regclass and not i.relname = any($2::text[])",
    [table, except],
  );
  return rows.map((row) => row.name);
}

/** Every tag the generator can yield, with ids fixed here, so product_tag rows can name them while streaming. */
async function insertVocabulary(session: pg.Client, tags: readonly string[]): Promise<Map<string, number>> {
  const ids = tags.map((_, index) => index + 1);
  await session.query("insert into tag_stats (id, tag) select * from unnest($1::int[], $2::text[])", [ids, tags]);
  // Tags added later (set_product_tags) take ids from the sequence: it must start after ours.
  await session.query("select setval(pg_get_serial_sequence('tag_stats', 'id'), $1)", [tags.length]);
  return new Map(tags.map((tag, index) => [tag, index + 1]));
}

interface SyntheticProduct {
  id: string;
  sourceUrl: string;
  createdAt: string;
  /** What the tagger said, for tagger-shaped workloads (evidence is tagEvidence of it). */
  features: ImageFeatures | undefined;
  evidence: TagEvidence[];
}

/** Products in creation order; a few share a millisecond (bulk imports), so the id tie-break gets exercised. */
function* syntheticProducts(count: number, seed: number, workload: Workload): Generator<SyntheticProduct> {
  const random = new SeededRandom(seed);
  let createdAt = FIRST_CREATED_AT;
  for (let index = 0; index < count; index++) {
    const features = workload.productFeatures?.(random);
    const evidence = features ? tagEvidence(features) : workload.productTags(random);
    createdAt += random.chance(0.05) ? 0 : random.int(1, 600_000);
    yield { id: random.uuid(), sourceUrl: `https://shop.example/products/${index}`, createdAt: new Date(createdAt).toISOString(), features, evidence };
  }
}

/**
 * Streams products and their product_tag rows through two COPYs at once.
 * product_tag is truncated in the COPY's transaction, so COPY … FREEZE can
 * write its rows already frozen and visible to all: VACUUM then has little
 * left to do on the largest table. Returns the number of product_tag rows.
 */
async function copyCatalogue(
  productSession: pg.Client,
  tagSession: pg.Client,
  tagIds: ReadonlyMap<string, number>,
  products: Iterable<SyntheticProduct>,
  visual: { catalogue: VisualCatalogue; photo: pg.Client; embedding: pg.Client } | null,
): Promise<number> {
  await tagSession.query("begin");
  await tagSession.query("truncate product_tag");
  const productRows = CopyIn.start(productSession, "copy product (id, source_url, tags, tag_ids, tag_confidences, created_at) from stdin");
  const tagRows = CopyIn.start(tagSession, "copy product_tag (tag_id, product_id, confidence, created_at) from stdin with (freeze)");
  // Not frozen: photo cannot be truncated apart from photo_embedding, which references it.
  const photoRows = visual
    ? CopyIn.start(visual.photo, "copy photo (id, product_id, storage_key, mime_type, width, height, byte_size, sha256, features, perceptual_hash, created_at) from stdin")
    : null;
  const embeddingRows = visual ? CopyIn.start(visual.embedding, "copy photo_embedding (photo_id, product_id, model, dimension, parts, ivf_list, created_at) from stdin") : null;
  const streams = [productRows, tagRows, ...(photoRows && embeddingRows ? [photoRows, embeddingRows] : [])];
  try {
    let index = 0;
    for (const product of products) {
      const tags = product.evidence.map((item) => item.tag);
      // As set_product_tags stores them: ids ascending, confidences in the same order.
      const byId = product.evidence.map((item) => ({ id: idOf(tagIds, item.tag), confidence: item.confidence })).sort((a, b) => a.id - b.id);
      const ids = `{${byId.map((item) => item.id).join(",")}}`;
      const confidences = `{${byId.map((item) => item.confidence).join(",")}}`;
      productRows.add([product.id, copyText(product.sourceUrl), copyText(textArrayLiteral(tags)), ids, confidences, product.createdAt]);
      for (const { tag, confidence } of product.evidence) tagRows.add([idOf(tagIds, tag), product.id, confidence, product.createdAt]);
      if (visual && photoRows && embeddingRows) {
        const rows = visual.catalogue.rows(product);
        photoRows.add(rows.photo);
        embeddingRows.add(rows.embedding);
      }
      if (++index % DRAIN_EVERY === 0) {
        await Promise.all(streams.map((stream) => stream.drain()));
        // Generating can outpace PostgreSQL for long stretches: let a Ctrl-C through.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const [, productTags] = await Promise.all(streams.map((stream) => stream.end()));
    await tagSession.query("commit");
    return productTags!;
  } catch (error) {
    for (const stream of streams) stream.abort(error as Error);
    throw error;
  }
}

function idOf(tagIds: ReadonlyMap<string, number>, tag: string): number {
  const id = tagIds.get(tag);
  if (id === undefined) throw new Error(`tag ${tag} is missing from the workload's vocabulary`);
  return id;
}

/** What the skipped triggers would have kept: every tag's product count, and the catalogue's (also each shard's, shard-seed.ts). */
export async function fillCounts(session: pg.Client): Promise<void> {
  await session.query(`
    update tag_stats s set product_count = counted.products, confidence_sum = counted.confidences
    from (select tag_id, count(*)::integer as products, sum(confidence) as confidences from product_tag group by tag_id) as counted
    where s.id = counted.tag_id`);
  await session.query("update catalog_stats set product_count = (select count(*) from product)");
}
