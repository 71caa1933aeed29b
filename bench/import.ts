/**
 * `npm run bench:import`: BENCH_IMPORT_ITEMS distinct photos served by a
 * local HTTP server, uploaded through addProduct (the baseline) and imported
 * by URL in one importProducts call, each side on a fresh app, in the same
 * run; items per second end to end of each and their ratio, then a re-import
 * of the same items (all SKIPPED). See bench/README.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { z } from "zod";
import { formatImportReport, runImportBench } from "./import-bench.js";

const env = z
  .object({
    BENCH_IMPORT_ITEMS: z.coerce.number().int().min(1).max(1_000).default(1_000),
    BENCH_IMPORT_UPLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
    BENCH_IMPORT_FIRST: z.enum(["baseline", "compared"]).default("baseline"),
    BENCH_IMPORT_ONLY: z.enum(["baseline", "compared"]).optional(),
    BENCH_DATABASE_URL: z.url().optional(),
  })
  .parse(process.env);

/** Settings passed on to both apps when set, as bench:ingest does: the tagger, the workers, the photo storage. */
const PASSED_ON = [
  "TAGGER",
  "LOCAL_TAGGER_WORKERS",
  "WORKER_CONCURRENCY",
  "IMPORT_CONCURRENCY",
  "OPENAI_BASE_URL",
  "OPENAI_API_KEY",
  "VISUAL_SEARCH",
  "STORAGE",
  "S3_BUCKET",
  "S3_PREFIX",
  "S3_ENDPOINT",
  "S3_ACCESS_KEY_ID",
  "S3_SECRET_ACCESS_KEY",
  "S3_FORCE_PATH_STYLE",
];

const progress = (message: string) => console.error(`[bench:import] ${new Date().toISOString().slice(11, 19)} ${message}`);
const results = await runImportBench(
  {
    items: env.BENCH_IMPORT_ITEMS,
    uploadConcurrency: env.BENCH_IMPORT_UPLOAD_CONCURRENCY,
    first: env.BENCH_IMPORT_FIRST,
    only: env.BENCH_IMPORT_ONLY ?? null,
    env: Object.fromEntries(PASSED_ON.flatMap((key) => (process.env[key] ? [[key, process.env[key]!]] : []))),
    databaseUrl: env.BENCH_DATABASE_URL,
  },
  progress,
);
console.log(formatImportReport(results));
console.log(JSON.stringify(results));
const file = new URL("./results/import-latest.json", import.meta.url);
await mkdir(new URL(".", file), { recursive: true });
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
progress("results written to bench/results/import-latest.json");
// A run with refused uploads or failed items measured something else than the import path: it fails.
if (!results.clean) process.exitCode = 1;
