import pg from "pg";
import { flattenTags } from "../src/analysis/tags.js";
import { SeededRandom } from "./random.js";
import { POPULAR_PICKERS, syntheticFeatures } from "./synthetic-features.js";

export interface SeedStats {
  products: number;
  averageTags: number;
  /** Generating and inserting the rows (index maintenance included). */
  insertMs: number;
  vacuumAnalyzeMs: number;
  tableBytes: number;
  ginIndexBytes: number;
}

const BATCH_SIZE = 10_000;
const FIRST_CREATED_AT = Date.parse("2025-01-01T00:00:00Z");

/**
 * One statement per batch; unnest turns parallel arrays into rows. Tags travel
 * as array literals ('{...}') because PostgreSQL arrays of arrays must be
 * rectangular and tag lists are not.
 */
const INSERT_PRODUCTS = `
  insert into product (id, source_url, tags, created_at)
  select id, source_url, tags::text[], created_at
  from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) as batch(id, source_url, tags, created_at)`;

interface ProductBatch {
  ids: string[];
  sourceUrls: string[];
  tagLiterals: string[];
  createdAts: string[];
}

/** Fills the (migrated, empty) product table with a deterministic synthetic catalogue, then VACUUM ANALYZE. */
export async function seedCatalog(databaseUrl: string, products: number, seed: number): Promise<SeedStats> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const random = new SeededRandom(seed);
    let createdAt = FIRST_CREATED_AT;
    let tagCount = 0;
    const insertStarted = performance.now();
    for (let first = 0; first < products; first += BATCH_SIZE) {
      const batch: ProductBatch = { ids: [], sourceUrls: [], tagLiterals: [], createdAts: [] };
      for (let index = first; index < Math.min(first + BATCH_SIZE, products); index++) {
        const tags = flattenTags(syntheticFeatures(random, POPULAR_PICKERS));
        tagCount += tags.length;
        // Some products share a millisecond (bulk imports), so the id tie-break gets exercised.
        createdAt += random.chance(0.05) ? 0 : random.int(1, 600_000);
        batch.ids.push(random.uuid());
        batch.sourceUrls.push(`https://shop.example/products/${index}`);
        batch.tagLiterals.push(arrayLiteral(tags));
        batch.createdAts.push(new Date(createdAt).toISOString());
      }
      await client.query(INSERT_PRODUCTS, [batch.ids, batch.sourceUrls, batch.tagLiterals, batch.createdAts]);
    }
    const insertMs = performance.now() - insertStarted;
    const vacuumStarted = performance.now();
    await client.query("vacuum analyze product");
    const vacuumAnalyzeMs = performance.now() - vacuumStarted;
    const sizes = await client.query<{ table_bytes: string; gin_bytes: string }>(
      "select pg_table_size('product') as table_bytes, pg_relation_size('product_tags_gin') as gin_bytes",
    );
    const size = sizes.rows[0];
    return {
      products,
      averageTags: tagCount / products,
      insertMs,
      vacuumAnalyzeMs,
      tableBytes: Number(size?.table_bytes),
      ginIndexBytes: Number(size?.gin_bytes),
    };
  } finally {
    await client.end();
  }
}

/** `{"a b","c"}`: every element quoted, so spaces and commas in tags survive. */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
