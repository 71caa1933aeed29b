/**
 * The exact weighted tag top-k over a catalogue split by product id across
 * several PostgreSQL databases (application-level sharding), as
 * `npm run bench:shards` simulates it. Nothing in the app fans out yet: this
 * is the coordinator a sharded deployment would run in the API process.
 *
 * 1. Every product lives on one shard: shardOf(its id).
 * 2. Statistics: each shard reads its own tag_stats and catalog_stats for the
 *    query's tags (SimilarityRepository.tagStats, in parallel), and the
 *    coordinator adds them up (globalTagStats). The query is weighed once,
 *    by the global counts (weighQuery), so a tag's IDF is the one a single
 *    database holding every product would give it.
 * 3. Each shard runs the same exact top k (SimilarityRepository.rank) with
 *    those global weights. Its own counts go with them, as the planner's
 *    statistics: they only steer the threshold guesses towards the rows that
 *    shard holds (a wrong guess costs time, never correctness), and tag ids
 *    are each database's own.
 * 4. The coordinator merges the shards' top k by score, ties to the newest
 *    product, then the greatest id, as the single database orders them
 *    (top-k-search.ts, similar_products), and keeps k. rank returns no dates,
 *    so when products of different shards tie on score within the top k
 *    their dates are read from their shards (rare with confidences; common
 *    when every tag is sure).
 *
 * Each shard's top k holds every product of that shard that can be in the
 * global top k (the score of a product does not depend on where it lives,
 * once the weights are global), so the merge is exact.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import type { TagEvidence } from "../src/analysis/tags.js";
import { textArrayLiteral } from "../src/db/sql-arrays.js";
import { SimilarityRepository, type SimilarityOptions, type TagStats } from "../src/search/similarity-repository.js";
import { weighQuery, type WeightedQuery } from "../src/search/tag-weights.js";
import type { RankedRow } from "../src/search/top-k-search.js";

/**
 * The shard a product lives on: FNV-1a (32-bit) over the 32 hex digits of
 * its id, modulo the number of shards. Stable across processes and
 * languages, and even for ids that are not random (time-ordered UUIDs).
 */
export function shardOf(productId: string, shardCount: number): number {
  const id = productId.toLowerCase();
  let hash = FNV_OFFSET;
  for (let index = 0; index < id.length; index++) {
    const code = id.charCodeAt(index);
    if (code !== DASH) hash = Math.imul(hash ^ code, FNV_PRIME);
  }
  return (hash >>> 0) % shardCount;
}

/** shardOf for an id held as ASCII bytes (a field of a COPY row), without making a string of it. */
export function shardOfBytes(bytes: Uint8Array, start: number, end: number, shardCount: number): number {
  let hash = FNV_OFFSET;
  for (let index = start; index < end; index++) {
    let code = bytes[index]!;
    if (code === DASH) continue;
    if (code >= 0x41 && code <= 0x46) code += 0x20; // A-F as a-f
    hash = Math.imul(hash ^ code, FNV_PRIME);
  }
  return (hash >>> 0) % shardCount;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const DASH = 0x2d;

/** What the query's weights need: the catalogue-wide counts (no tag ids: those are each database's own). */
export type CatalogueStats = Pick<TagStats, "productCount" | "productsWith" | "meanConfidence">;

/**
 * The shards' statistics added up, for the tags they were read for: product
 * counts summed, and confidence sums summed (each shard's mean confidence
 * times its count), so the mean is the catalogue's.
 */
export function globalTagStats(shardStats: readonly TagStats[], tags: readonly string[]): CatalogueStats {
  const byTag = new Map<string, { products: number; confidences: number }>();
  for (const tag of new Set(tags)) {
    let products = 0;
    let confidences = 0;
    for (const stats of shardStats) {
      const count = stats.productsWith(tag);
      products += count;
      if (count > 0) confidences += count * stats.meanConfidence(tag);
    }
    byTag.set(tag, { products, confidences });
  }
  return {
    productCount: shardStats.reduce((sum, stats) => sum + stats.productCount, 0),
    productsWith: (tag) => byTag.get(tag)?.products ?? 0,
    meanConfidence: (tag) => {
      const counted = byTag.get(tag);
      return counted && counted.products > 0 ? Math.min(1, Math.max(0, counted.confidences / counted.products)) : 1;
    },
  };
}

/** The tags whose statistics a query needs, as SimilarityService reads them: its own and the required ones. */
function statsTags(evidence: readonly TagEvidence[], options: SimilarityOptions): string[] {
  return [...evidence.map((item) => item.tag), ...options.filters.requiredTags];
}

export interface TopKAnswer {
  /** The top k, best first; scores in weight units (as rank returns them). */
  rows: RankedRow[];
  weighted: WeightedQuery;
  /** Statements rank ran (one per threshold guess; 0 = it handed the query to similar_products), per database. */
  attempts: number[];
}

/** The reference: one database holding every product, as SimilarityService ranks by tags (tagStats, weighQuery, rank). */
export async function singleTopK(orm: MikroORM, evidence: readonly TagEvidence[], options: SimilarityOptions): Promise<TopKAnswer> {
  const repository = new SimilarityRepository(orm.em.fork());
  const stats = await repository.tagStats(statsTags(evidence, options));
  const weighted = weighQuery(evidence, stats.productCount, stats.productsWith);
  const { rows, attempts } = await repository.rank(weighted, stats, options);
  return { rows: rows.map(numericScore), weighted, attempts: [attempts] };
}

export interface ShardedAnswer extends TopKAnswer {
  /** Wall time of each step, in milliseconds. */
  phases: { statsMs: number; rankMs: number; mergeMs: number };
  /** Products whose dates the merge had to read, for ties across shards. */
  tieLookups: number;
}

/** The sharded top k: global statistics, the same exact top k on every shard at once, the merge. */
export async function shardedTopK(shards: readonly MikroORM[], evidence: readonly TagEvidence[], options: SimilarityOptions): Promise<ShardedAnswer> {
  const started = performance.now();
  const tags = statsTags(evidence, options);
  const shardStats = await Promise.all(shards.map((shard) => new SimilarityRepository(shard.em.fork()).tagStats(tags)));
  const global = globalTagStats(shardStats, tags);
  const weighted = weighQuery(evidence, global.productCount, global.productsWith);
  const ranked = performance.now();
  const results = await Promise.all(shards.map((shard, index) => new SimilarityRepository(shard.em.fork()).rank(weighted, shardStats[index]!, options)));
  const merging = performance.now();
  const { rows, tieLookups } = await mergeTopK(
    shards,
    results.map((result) => result.rows),
    options.limit,
  );
  const done = performance.now();
  return {
    rows,
    weighted,
    attempts: results.map((result) => result.attempts),
    phases: { statsMs: ranked - started, rankMs: merging - ranked, mergeMs: done - merging },
    tieLookups,
  };
}

/**
 * What sharding gets wrong without global statistics: every shard weighs the
 * query by its own tag counts (local IDF) and the coordinator merges the
 * scores as if they were comparable. Kept to show that the global step
 * matters (the test and the bench count where this answer differs).
 */
export async function localIdfTopK(shards: readonly MikroORM[], evidence: readonly TagEvidence[], options: SimilarityOptions): Promise<RankedRow[]> {
  const tags = statsTags(evidence, options);
  const perShard = await Promise.all(
    shards.map(async (shard) => {
      const repository = new SimilarityRepository(shard.em.fork());
      const stats = await repository.tagStats(tags);
      return (await repository.rank(weighQuery(evidence, stats.productCount, stats.productsWith), stats, options)).rows;
    }),
  );
  return (await mergeTopK(shards, perShard, options.limit)).rows;
}

interface MergeRow {
  shard: number;
  /** Place in its shard's answer (that shard already broke its own ties). */
  place: number;
  product_id: string;
  score: number;
  /** Microseconds since the epoch, read only for ties across shards. */
  createdAt: bigint | null;
}

/**
 * The shards' answers (each its shard's top k, best first) as one top k,
 * ordered as one database would: score, then the newest, then the greatest
 * id. Rows with equal scores from one shard keep that shard's order; when
 * rows from several shards tie on a score that reaches the top k, their
 * dates are read from their shards, all at once.
 */
export async function mergeTopK(shards: readonly MikroORM[], perShard: readonly RankedRow[][], k: number): Promise<{ rows: RankedRow[]; tieLookups: number }> {
  const rows: MergeRow[] = perShard.flatMap((answer, shard) =>
    answer.map((row, place) => ({ shard, place, product_id: row.product_id, score: Number(row.score), createdAt: null })),
  );
  // Stable: within one score, rows stay grouped by shard and in their shard's order.
  rows.sort((a, b) => b.score - a.score);
  const lastScore = rows.length > k ? rows[k - 1]!.score : Number.NEGATIVE_INFINITY;
  const tied: MergeRow[] = [];
  for (let start = 0; start < rows.length && rows[start]!.score >= lastScore; ) {
    let end = start + 1;
    while (end < rows.length && rows[end]!.score === rows[start]!.score) end++;
    const group = rows.slice(start, end);
    if (group.some((row) => row.shard !== group[0]!.shard)) tied.push(...group);
    start = end;
  }
  if (tied.length > 0) {
    await readDates(shards, tied);
    rows.sort(compareMergeRows);
  }
  return { rows: rows.slice(0, k).map(({ product_id, score }) => ({ product_id, score })), tieLookups: tied.length };
}

function compareMergeRows(a: MergeRow, b: MergeRow): number {
  if (a.score !== b.score) return b.score - a.score;
  // Same score: both have dates (a tie across shards) or both come from one shard, already in order.
  if (a.createdAt !== null && b.createdAt !== null) {
    if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt ? -1 : 1;
    return a.product_id === b.product_id ? 0 : a.product_id > b.product_id ? -1 : 1;
  }
  return a.place - b.place;
}

/** Each row's product's created_at, to the microsecond (PostgreSQL's resolution; a JS Date keeps milliseconds), from its shard. */
async function readDates(shards: readonly MikroORM[], rows: readonly MergeRow[]): Promise<void> {
  const byShard = new Map<number, MergeRow[]>();
  for (const row of rows) byShard.set(row.shard, [...(byShard.get(row.shard) ?? []), row]);
  await Promise.all(
    [...byShard].map(async ([shard, shardRows]) => {
      const found = await shards[shard]!.em.fork().execute<Array<{ id: string; micros: string }>>(
        "select id, (extract(epoch from created_at) * 1000000)::bigint::text as micros from product where id = any(?::uuid[])",
        [textArrayLiteral(shardRows.map((row) => row.product_id))],
      );
      const micros = new Map(found.map((row) => [row.id, BigInt(row.micros)]));
      for (const row of shardRows) {
        const value = micros.get(row.product_id);
        if (value === undefined) throw new Error(`product ${row.product_id} is not on shard ${shard}`);
        row.createdAt = value;
      }
    }),
  );
}

function numericScore(row: RankedRow): RankedRow {
  return { product_id: row.product_id, score: Number(row.score) };
}
