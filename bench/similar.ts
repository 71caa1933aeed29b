/**
 * `npm run bench:similar`: the pruned top-k search (similar_products, and
 * SimilarityRepository.findSimilar around it) against the unpruned SQL
 * ranking, and (with the catalogue workload) visual search in IVF lists
 * against a brute-force scan and the hybrid ranking step, on a seeded
 * synthetic catalogue (1M products by default) in a database of its own,
 * migrated with the app's migrations. See README.md.
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
import { buildVisualIndex, type VisualIndexBuild } from "./visual-index.js";
import { VISUAL_QUERY_KINDS, VisualCatalogue } from "./visual-catalogue.js";
import { measureVisualKind, type VisualKindResult } from "./measure-visual.js";
import { WORKLOADS, type WorkloadName } from "./workloads.js";
import { catalogEntities } from "../src/catalog/entities.js";

const config = loadBenchConfig(process.env);
const progress = (message: string) => console.error(`[bench] ${message}`);

for (const name of config.workloads) {
  const results = await benchWorkload(name);
  printReport(results);
  progress(`results written to ${await writeResults(results, name)}`);
  if (results.kinds.some((kind) => kind.mismatches.length > 0)) process.exitCode = 1;
  if (results.visual?.kinds.some((kind) => kind.mismatches.length > 0)) process.exitCode = 1;
}

/** One workload in a fresh database: seed, prewarm, then every query kind. */
async function benchWorkload(name: WorkloadName): Promise<BenchResults> {
  const started = performance.now();
  const workload = WORKLOADS[name];
  progress(`${name}: ${config.databaseUrl ? "creating a fresh database on BENCH_DATABASE_URL" : "starting embedded PostgreSQL"}`);
  const database = await provisionBenchDatabase(config.databaseUrl);
  let orm: MikroORM | undefined;
  try {
    orm = await createOrm({ url: database.url, poolMax: 2, log: () => {}, entities: catalogEntities });
    // The migrator would write a schema snapshot into migrations/ for this throwaway database.
    orm.config.set("migrations", { ...orm.config.get("migrations"), snapshot: false });
    await migrate(orm);
    const machine = await machineFacts(orm);

    // The visual half goes with the tagger-shaped catalogue, whose products have objects to take a look from.
    const visual = config.visual.mode !== "off" && workload.productFeatures ? new VisualCatalogue(config.seed, config.products, Math.floor(config.visual.queries / 2)) : null;
    progress(
      `${name}: seeding ${config.products.toLocaleString("en-US")} products${visual ? " with a photo and a vector each" : ""} (COPY, triggers skipped, indexes built after)`,
    );
    const seed = await seedCatalog(database.url, config.products, config.seed, workload, visual);
    let visualIndex: VisualIndexBuild | null = null;
    if (visual) {
      progress(`${name}: building the IVF lists (VisualIndexBuilder, ${config.visual.index.vectorsPerList} vectors per list, trained on ${config.visual.index.sampleSize})`);
      visualIndex = await buildVisualIndex(orm, database.url, config.visual.index, config.seed);
    }
    progress(`${name}: loading the searched relations into shared buffers (pg_prewarm)`);
    const prewarmMs = await prewarm(database.url, visual !== null);
    const querySets = buildQuerySets(config.queries, config.seed, workload);

    const kinds: QueryKindResult[] = [];
    for (const kind of visual && config.visual.mode === "only" ? [] : QUERY_KINDS) {
      progress(`${name}: measuring ${kind} queries`);
      const queries = [];
      for (const tags of querySets[kind]) queries.push(await prepareQuery(orm, tags));
      kinds.push(await measureQueryKind(orm, kind, queries, config.limit, progress));
    }

    const visualKinds: VisualKindResult[] = [];
    if (visual && visualIndex) {
      const queries = visual.queries(config.visual.queries);
      for (const kind of VISUAL_QUERY_KINDS) {
        progress(`${name}: measuring visual and hybrid ranking, ${kind} queries`);
        const ofKind = queries.filter((query) => query.kind === kind);
        const options = { probes: config.visual.probes, probeSweep: config.visual.probeSweep, lists: visualIndex.lists, limit: config.limit };
        visualKinds.push(await measureVisualKind(orm, kind, ofKind, options, progress));
      }
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
      visual: visual && visualIndex ? { index: visualIndex, kinds: visualKinds } : null,
      totalSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await orm?.close();
    await database.dispose();
  }
}
