import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";
import { catalogEntities } from "../src/catalog/entities.js";
import { createOrm, migrate } from "../src/db/orm.js";
import type { SimilarityOptions, TagStats } from "../src/search/similarity-repository.js";
import { SimilarityRepository } from "../src/search/similarity-repository.js";
import { weighQuery } from "../src/search/tag-weights.js";
import { compareRankings, type RankedId, type RankingMismatch } from "./compare-rankings.js";
import { median, summarizeLatency, timed, type LatencySummary } from "./latency.js";
import { machineFacts, type MachineFacts } from "./machine-facts.js";
import { buildQuerySets, QUERY_KINDS, type QueryKind } from "./query-sets.js";
import { relationSizes, type RelationSize } from "./relation-sizes.js";
import { seedCatalog, type SeedStats } from "./seed-catalog.js";
import { provisionShardDatabases } from "./shard-databases.js";
import { seedShardsFrom, type ShardSeedStats } from "./shard-seed.js";
import { globalTagStats, localIdfTopK, shardedTopK, singleTopK, type TopKAnswer } from "./sharded-top-k.js";
import { WORKLOADS, type WorkloadName } from "./workloads.js";

export interface ShardsBenchOptions {
  /** A server to create the databases on (its user a superuser), instead of an embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** Products in all: the single database holds them all, each shard those whose ids hash to it. */
  products: number;
  shards: number;
  /** Split evenly between popular and rare queries (query-sets.ts). */
  queries: number;
  seed: number;
  workload: WorkloadName;
  /** Results per query, as the GraphQL search asks for by default. */
  limit: number;
}

/** One query kind's figures, every latency over the same queries in the same run. */
export interface ShardsKindResult {
  kind: QueryKind;
  queries: number;
  latency: {
    /** One database: tagStats, weighQuery, rank (SimilarityService's tag ranking, without loading the products). */
    single: LatencySummary;
    /** The coordinator: every shard's tagStats at once and their sum, weighQuery, every shard's rank at once, the merge. */
    sharded: LatencySummary;
    /** Its steps. */
    shardedStats: LatencySummary;
    shardedRank: LatencySummary;
    shardedMerge: LatencySummary;
    /**
     * Each shard run alone, one after another: the slowest shard's tagStats
     * plus the slowest shard's rank. What the fan-out would take if every
     * shard had a server to itself (network and the merge not counted).
     */
    slowestShardAlone: LatencySummary;
  };
  /** Sharded over single, medians and p95s. */
  ratio: { median: number; p95: number; aloneMedian: number };
  /** Statements rank ran per query (one per threshold guess): the single database's, and all shards' together. */
  statements: { singleMedian: number; shardsMedian: number };
  /** Queries rank handed to similar_products (attempts 0), in the single database and on at least one shard. */
  termAtATime: { single: number; anyShard: number };
  /** Queries whose merge read dates because products of different shards tied on score. */
  tieLookups: number;
  exact: number;
  equalUpToTies: number;
  mismatches: RankingMismatch[];
  /** Queries whose top k (ids) differs from the single database's when each shard weighs by its own tag counts. */
  localIdfDiffers: number;
}

export interface ShardsBenchResults {
  benchmark: "sharded-exact-top-k";
  generatedAt: string;
  workload: { name: WorkloadName; description: string };
  options: Omit<ShardsBenchOptions, "databaseUrl">;
  machine: MachineFacts;
  database: string;
  seed: { single: SeedStats; shards: ShardSeedStats; migrateMs: number };
  sizes: { single: RelationSize[]; shards: RelationSize[][] };
  prewarm: { ms: number; buffered: string[]; osCacheOnly: string[] };
  kinds: ShardsKindResult[];
  /** Both kinds together: the figures to quote. */
  all: Pick<ShardsKindResult, "latency" | "ratio" | "exact" | "equalUpToTies" | "localIdfDiffers"> & { queries: number; mismatches: number };
  totalSeconds: number;
}

/** Queries of each kind run untimed first, so caches and plans are warm. */
const WARM_UP_QUERIES = 5;
/** How deep the single database looks when a float tie may have broken differently. */
const DEEPER_LIMIT = 60;
/** What the search reads (as prewarm.ts): the product rows, the GIN index over their tag ids, the inverted index. */
const SEARCHED = ["product", "product_tag_ids", "product_tag_pkey"];
const MEASURED = ["single", "sharded", "alone"] as const;
type Measured = (typeof MEASURED)[number];

/**
 * bench:shards: the same synthetic catalogue in one database and split by
 * product id over `shards` databases of the same server; every query ranked
 * by both, compared, and timed. See README.md.
 */
export async function runShardsBench(options: ShardsBenchOptions, progress: (message: string) => void = () => {}): Promise<ShardsBenchResults> {
  const started = performance.now();
  const workload = WORKLOADS[options.workload];
  progress(`${options.databaseUrl ? "creating fresh databases on BENCH_DATABASE_URL" : "starting embedded PostgreSQL"}: one for the whole catalogue, ${options.shards} shards beside it`);
  const databases = await provisionShardDatabases(options.databaseUrl, options.shards);
  const orms: MikroORM[] = [];
  try {
    const { ms: migrateMs } = await timed(async () => {
      for (const url of [databases.single.url, ...databases.shardUrls]) {
        // One connection per shard per query in flight: the coordinator asks each shard one statement at a time.
        const orm = await createOrm({ url, poolMax: 2, log: () => {}, entities: catalogEntities });
        orms.push(orm);
        // The migrator would write a schema snapshot into migrations/ for these throwaway databases.
        orm.config.set("migrations", { ...orm.config.get("migrations"), snapshot: false });
        await migrate(orm);
      }
    });
    const [single, ...shards] = orms as [MikroORM, ...MikroORM[]];
    const machine = await machineFacts(single);

    progress(`seeding ${options.products.toLocaleString("en-US")} products (${workload.name} workload) into the single database (seed-catalog.ts: COPY, triggers skipped, indexes after)`);
    const singleSeed = await seedCatalog(databases.single.url, options.products, options.seed, workload);
    progress(`copying them into ${options.shards} shards by a hash of the product id (COPY out, routed row by row, COPY in)`);
    const shardSeed = await seedShardsFrom(databases.single.url, databases.shardUrls);
    progress(`shards hold ${shardSeed.products.map((count) => count.toLocaleString("en-US")).join(", ")} products`);

    const sizes = { single: await sizesOf(databases.single.url), shards: await Promise.all(databases.shardUrls.map(sizesOf)) };
    progress("warming the caches (pg_prewarm)");
    const prewarm = await prewarmAll([databases.single.url, ...databases.shardUrls], sizes, machine);

    const querySets = buildQuerySets(options.queries, options.seed, workload);
    const kinds: ShardsKindResult[] = [];
    const perQuery: Record<Measured | "stats" | "rank" | "merge", number[]> = { single: [], sharded: [], alone: [], stats: [], rank: [], merge: [] };
    for (const kind of QUERY_KINDS) {
      progress(`measuring ${kind} queries`);
      const result = await measureKind(single, shards, kind, querySets[kind], options.limit, progress);
      kinds.push(result.summary);
      for (const key of Object.keys(perQuery) as Array<keyof typeof perQuery>) perQuery[key].push(...result.samples[key]);
    }
    const allLatency = latencies(perQuery);
    return {
      benchmark: "sharded-exact-top-k",
      generatedAt: new Date().toISOString(),
      workload: { name: workload.name, description: workload.description },
      options: { products: options.products, shards: options.shards, queries: options.queries, seed: options.seed, workload: options.workload, limit: options.limit },
      machine,
      database: `${databases.single.description}; ${options.shards} shard databases beside it, on the same server`,
      seed: { single: singleSeed, shards: shardSeed, migrateMs },
      sizes,
      prewarm,
      kinds,
      all: {
        queries: kinds.reduce((sum, kind) => sum + kind.queries, 0),
        latency: allLatency,
        ratio: ratios(allLatency),
        exact: kinds.reduce((sum, kind) => sum + kind.exact, 0),
        equalUpToTies: kinds.reduce((sum, kind) => sum + kind.equalUpToTies, 0),
        mismatches: kinds.reduce((sum, kind) => sum + kind.mismatches.length, 0),
        localIdfDiffers: kinds.reduce((sum, kind) => sum + kind.localIdfDiffers, 0),
      },
      totalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(orms.map((orm) => orm.close()));
    await databases.dispose();
  }
}

interface AloneRun {
  statsMs: number[];
  rankMs: number[];
}

/**
 * Every query of one kind, three ways, in an order that rotates from query
 * to query (a noisy neighbour slows all alike, and none always finds the
 * pages the one before it read): the single database, the coordinator's
 * parallel fan-out, and the shards one at a time. Then, untimed, the
 * comparison with the single database, and the local-IDF counter-example.
 */
async function measureKind(
  single: MikroORM,
  shards: readonly MikroORM[],
  kind: QueryKind,
  queries: readonly string[][],
  limit: number,
  progress: (message: string) => void,
): Promise<{ summary: ShardsKindResult; samples: Record<Measured | "stats" | "rank" | "merge", number[]> }> {
  const options: SimilarityOptions = { limit, minScore: 0, excludeProductId: null, filters: { requiredTags: [], createdAfter: null, attributes: {} } };
  const evidenceOf = (tags: readonly string[]) => tags.map((tag) => ({ tag, confidence: 1 }));
  const run = {
    single: (tags: readonly string[]) => singleTopK(single, evidenceOf(tags), options),
    sharded: (tags: readonly string[]) => shardedTopK(shards, evidenceOf(tags), options),
    alone: (tags: readonly string[]) => shardsOneByOne(shards, evidenceOf(tags), options),
  };
  for (const tags of queries.slice(0, WARM_UP_QUERIES)) for (const measured of MEASURED) await run[measured](tags);

  const samples: Record<Measured | "stats" | "rank" | "merge", number[]> = { single: [], sharded: [], alone: [], stats: [], rank: [], merge: [] };
  const statements = { single: [] as number[], shards: [] as number[] };
  const termAtATime = { single: 0, anyShard: 0 };
  const agreements = { exact: 0, "equal up to ties": 0 };
  const mismatches: RankingMismatch[] = [];
  let tieLookups = 0;
  let localIdfDiffers = 0;
  for (const [index, tags] of queries.entries()) {
    let singleAnswer: TopKAnswer | undefined;
    let shardedAnswer: Awaited<ReturnType<typeof run.sharded>> | undefined;
    for (const measured of rotate(MEASURED, index)) {
      if (measured === "single") {
        const { result, ms } = await timed(() => run.single(tags));
        singleAnswer = result;
        samples.single.push(ms);
      } else if (measured === "sharded") {
        const { result, ms } = await timed(() => run.sharded(tags));
        shardedAnswer = result;
        samples.sharded.push(ms);
        samples.stats.push(result.phases.statsMs);
        samples.rank.push(result.phases.rankMs);
        samples.merge.push(result.phases.mergeMs);
      } else {
        const alone = await run.alone(tags);
        samples.alone.push(Math.max(...alone.statsMs) + Math.max(...alone.rankMs));
      }
    }
    const reference = singleAnswer!;
    const sharded = shardedAnswer!;
    statements.single.push(reference.attempts[0]!);
    statements.shards.push(sharded.attempts.reduce((sum, attempts) => sum + attempts, 0));
    if (reference.attempts[0] === 0) termAtATime.single++;
    if (sharded.attempts.some((attempts) => attempts === 0)) termAtATime.anyShard++;
    if (sharded.tieLookups > 0) tieLookups++;

    const deeper = () => singleTopK(single, evidenceOf(tags), { ...options, limit: DEEPER_LIMIT }).then((answer) => ranked(answer.rows));
    const agreement = await compareRankings(ranked(sharded.rows), ranked(reference.rows), deeper);
    if (agreement === "different") {
      mismatches.push({ kind, reason: "the merged top k differs from the single database's", queryIndex: index, tags, ours: ranked(sharded.rows), baseline: ranked(reference.rows) });
    } else agreements[agreement]++;
    const local = await localIdfTopK(shards, evidenceOf(tags), options);
    if (local.map((row) => row.product_id).join() !== reference.rows.map((row) => row.product_id).join()) localIdfDiffers++;
    if ((index + 1) % 25 === 0) progress(`${kind}: ${index + 1}/${queries.length} queries`);
  }
  const latency = latencies(samples);
  return {
    summary: {
      kind,
      queries: queries.length,
      latency,
      ratio: ratios(latency),
      statements: { singleMedian: median(statements.single), shardsMedian: median(statements.shards) },
      termAtATime,
      tieLookups,
      exact: agreements.exact,
      equalUpToTies: agreements["equal up to ties"],
      mismatches,
      localIdfDiffers,
    },
    samples,
  };
}

/** The coordinator's two steps with one shard at a time: each shard's tagStats, then (with the global weights) each shard's rank, each timed. */
async function shardsOneByOne(shards: readonly MikroORM[], evidence: Array<{ tag: string; confidence: number }>, options: SimilarityOptions): Promise<AloneRun> {
  const tags = evidence.map((item) => item.tag);
  const stats: TagStats[] = [];
  const statsMs: number[] = [];
  for (const shard of shards) {
    const { result, ms } = await timed(() => new SimilarityRepository(shard.em.fork()).tagStats(tags));
    stats.push(result);
    statsMs.push(ms);
  }
  const global = globalTagStats(stats, tags);
  const weighted = weighQuery(evidence, global.productCount, global.productsWith);
  const rankMs: number[] = [];
  for (const [index, shard] of shards.entries()) {
    rankMs.push((await timed(() => new SimilarityRepository(shard.em.fork()).rank(weighted, stats[index]!, options))).ms);
  }
  return { statsMs, rankMs };
}

function latencies(samples: Record<Measured | "stats" | "rank" | "merge", number[]>): ShardsKindResult["latency"] {
  return {
    single: summarizeLatency(samples.single),
    sharded: summarizeLatency(samples.sharded),
    shardedStats: summarizeLatency(samples.stats),
    shardedRank: summarizeLatency(samples.rank),
    shardedMerge: summarizeLatency(samples.merge),
    slowestShardAlone: summarizeLatency(samples.alone),
  };
}

function ratios(latency: ShardsKindResult["latency"]): ShardsKindResult["ratio"] {
  return {
    median: latency.sharded.medianMs / latency.single.medianMs,
    p95: latency.sharded.p95Ms / latency.single.p95Ms,
    aloneMedian: latency.slowestShardAlone.medianMs / latency.single.medianMs,
  };
}

const ranked = (rows: TopKAnswer["rows"]): RankedId[] => rows.map((row) => ({ id: row.product_id, score: row.score }));

async function sizesOf(url: string): Promise<RelationSize[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await relationSizes(client, ["product", "product_tag"]);
  } finally {
    await client.end();
  }
}

/**
 * Warms every database alike. All of them share one server's
 * shared_buffers, which may not hold both layouts at once: each database's
 * searched relations (prewarm.ts's) are read into the OS cache, then those
 * that fit together (90% of shared_buffers, GIN indexes first, each kind of
 * relation for every database or for none) into shared buffers.
 */
async function prewarmAll(urls: readonly string[], sizes: ShardsBenchResults["sizes"], machine: MachineFacts): Promise<ShardsBenchResults["prewarm"]> {
  const budget = 0.9 * parseSize(machine.postgresMemory.sharedBuffers);
  const all = [sizes.single, ...sizes.shards];
  const bytesOf = (relation: string) => all.reduce((sum, relations) => sum + (relations.find((size) => size.name === relation)?.bytes ?? 0), 0);
  const byPriority = ["product_tag_ids", "product", "product_tag_pkey"].filter((relation) => SEARCHED.includes(relation));
  const buffered: string[] = [];
  let used = 0;
  for (const relation of byPriority) {
    if (used + bytesOf(relation) > budget) continue;
    buffered.push(relation);
    used += bytesOf(relation);
  }
  const { ms } = await timed(async () => {
    for (const url of urls) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query("create extension if not exists pg_prewarm");
        for (const relation of SEARCHED) await client.query("select pg_prewarm($1::regclass, 'read')", [relation]);
        for (const relation of buffered) await client.query("select pg_prewarm($1::regclass)", [relation]);
      } finally {
        await client.end();
      }
    }
  });
  return { ms, buffered, osCacheOnly: SEARCHED.filter((relation) => !buffered.includes(relation)) };
}

/** A size as PostgreSQL shows a setting ("1GB", "128MB", "8kB") in bytes. */
function parseSize(text: string): number {
  const match = /^(\d+)\s*(kB|MB|GB|TB)?$/.exec(text.trim());
  if (!match) return 128 * 2 ** 20;
  const unit = { kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }[match[2] as "kB" | "MB" | "GB" | "TB"] ?? 1;
  return Number(match[1]) * unit;
}

/** The items starting at `offset` (modulo their number), then the ones before. */
function rotate<T>(items: readonly T[], offset: number): T[] {
  const start = offset % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
