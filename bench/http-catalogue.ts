import pg from "pg";
import { createOrm, migrate } from "../src/db/orm.js";
import { machineFacts, type MachineFacts } from "./machine-facts.js";
import { timed } from "./latency.js";
import { seedCatalog, type SeedStats } from "./seed-catalog.js";
import { COLOUR_NAMES, OBJECT_NAMES } from "./tag-vocabulary.js";
import { VisualCatalogue } from "./visual-catalogue.js";
import { buildVisualIndex } from "./visual-index.js";
import { DEFAULT_VISUAL_INDEX } from "../src/search/visual-index-builder.js";
import { WORKLOADS } from "./workloads.js";
import { catalogEntities } from "../src/catalog/entities.js";

export interface HttpCatalogue {
  seed: Omit<SeedStats, "sizes">;
  /** Filling product.search_document through its trigger, then VACUUM ANALYZE. */
  searchDocumentsMs: number;
  /** The IVF lists of visual search, built as the app's maintenance job builds them (bench/visual-index.ts), compaction included. */
  visualIndexMs: number;
  /** Vacuuming what the index build left behind, then a checkpoint (settle). */
  settleMs: number;
  machine: MachineFacts;
}

/**
 * Leaves nothing of the seeding for the server to catch up on while it is
 * measured: the index build's dead rows (autovacuum would take them during
 * a run) and gigabytes of dirty buffers (a checkpoint would write them,
 * spread over minutes, during the first rounds). The bench's user is a
 * superuser (README), so it may CHECKPOINT.
 */
async function settle(client: pg.Client): Promise<void> {
  await client.query("vacuum analyze");
  await client.query("checkpoint");
}

/**
 * Migrates the (empty) database with the app's migrations and seeds the
 * catalogue workload of bench:similar (tagger-shaped products, each with a
 * photo and its vector) by COPY. The COPY skips the triggers, so
 * search_document is then filled by the app's own trigger (an update of
 * `tags` to itself): text search finds what it would in production.
 * Visual search's lists are built here too, with the app's settings, so
 * the app under load serves a finished index, as a server in production
 * does, instead of building one while it is measured.
 */
export async function seedHttpCatalogue(databaseUrl: string, products: number, seed: number): Promise<HttpCatalogue> {
  const orm = await createOrm({ url: databaseUrl, poolMax: 2, log: () => {}, entities: catalogEntities });
  let machine: MachineFacts;
  try {
    await migrate(orm);
    machine = await machineFacts(orm);
  } finally {
    await orm.close();
  }
  const { sizes: _sizes, ...stats } = await seedCatalog(databaseUrl, products, seed, WORKLOADS.catalogue, new VisualCatalogue(seed, products, 0));
  const indexOrm = await createOrm({ url: databaseUrl, poolMax: 2, log: () => {}, entities: catalogEntities });
  let visualIndexMs: number;
  try {
    const built = await buildVisualIndex(indexOrm, databaseUrl, DEFAULT_VISUAL_INDEX, seed);
    visualIndexMs = built.buildMs + built.compactMs;
  } finally {
    await indexOrm.close();
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { ms } = await timed(async () => {
      await client.query("update product set tags = tags");
      await client.query("vacuum analyze product");
    });
    const { ms: settleMs } = await timed(() => settle(client));
    return { seed: stats, searchDocumentsMs: ms, visualIndexMs, settleMs, machine };
  } finally {
    await client.end();
  }
}

/**
 * What people type into a search box: a colour and an object, drawn from
 * the most common of each (the catalogue's Zipf heads), so every query finds
 * products. Deterministic, `count` distinct queries.
 */
export function searchWords(count: number): string[] {
  const colours = COLOUR_NAMES.slice(0, 10);
  const objects = OBJECT_NAMES.slice(0, Math.ceil(count / colours.length));
  const words: string[] = [];
  for (const object of objects) for (const colour of colours) words.push(`${colour} ${object}`);
  return words.slice(0, count);
}
