/**
 * `npm run bench:similar`: the pruned top-k search (similar_products, and
 * SimilarityRepository.findSimilar around it) against the unpruned SQL
 * ranking, on a seeded synthetic catalogue (1M products by default) in a
 * database of its own, migrated with the app's migrations. See README.md.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { createOrm, migrate } from "../src/db/orm.js";
import { loadBenchConfig } from "./bench-config.js";
import { provisionBenchDatabase } from "./bench-database.js";
import { machineFacts } from "./machine-facts.js";
import { measureQueryKind, type QueryKindResult } from "./measure-query-kind.js";
import { prepareQuery } from "./prepared-query.js";
import { buildQuerySets, QUERY_KINDS } from "./query-sets.js";
import { prewarm } from "./prewarm.js";
import { printReport, writeResults, type BenchResults } from "./report.js";
import { seedCatalog } from "./seed-catalog.js";
import { WORKLOADS, type WorkloadName } from "./workloads.js";

const config = loadBenchConfig(process.env);
const progress = (message: string) => console.error(`[bench] ${message}`);

for (const name of config.workloads) {
  const results = await benchWorkload(name);
  printReport(results);
  progress(`results written to ${await writeResults(results, name)}`);
  if (results.kinds.some((kind) => kind.mismatches.length > 0)) process.exitCode = 1;
}

/** One workload in a fresh database: seed, prewarm, then every query kind. */
async function benchWorkload(name: WorkloadName): Promise<BenchResults> {
  const started = performance.now();
  const workload = WORKLOADS[name];
  progress(`${name}: ${config.databaseUrl ? "creating a fresh database on BENCH_DATABASE_URL" : "starting embedded PostgreSQL"}`);
  const database = await provisionBenchDatabase(config.databaseUrl);
  let orm: MikroORM | undefined;
  try {
    orm = await createOrm({ url: database.url, poolMax: 2, log: () => {} });
    // The migrator would write a schema snapshot into migrations/ for this throwaway database.
    orm.config.set("migrations", { ...orm.config.get("migrations"), snapshot: false });
    await migrate(orm);
    const machine = await machineFacts(orm);

    progress(`${name}: seeding ${config.products.toLocaleString("en-US")} products (COPY, triggers skipped, product_tag indexes built after)`);
    const seed = await seedCatalog(database.url, config.products, config.seed, workload);
    progress(`${name}: loading the searched relations into shared buffers (pg_prewarm)`);
    const prewarmMs = await prewarm(database.url);
    const querySets = buildQuerySets(config.queries, config.seed, workload);

    const kinds: QueryKindResult[] = [];
    for (const kind of QUERY_KINDS) {
      progress(`${name}: measuring ${kind} queries`);
      const queries = [];
      for (const tags of querySets[kind]) queries.push(await prepareQuery(orm, tags));
      kinds.push(await measureQueryKind(orm, kind, queries, config.limit, progress));
    }

    const { databaseUrl: _secret, workloads: _all, ...shownConfig } = config;
    return {
      benchmark: "similar-by-weighted-tag-overlap",
      generatedAt: new Date().toISOString(),
      workload: { name, description: workload.description },
      machine,
      database: database.description,
      config: shownConfig,
      seed,
      prewarmMs,
      kinds,
      totalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await orm?.close();
    await database.dispose();
  }
}
