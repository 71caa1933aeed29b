import { z } from "zod";
import type { VisualIndexSettings } from "../src/search/visual-index-builder.js";
import { loadConfig } from "../src/config.js";
import { WORKLOAD_NAMES, type WorkloadName } from "./workloads.js";

/** What the app runs visual search with when nothing is set (VISUAL_SEARCH_PROBES, VISUAL_INDEX_PHOTOS_PER_LIST…). */
const APP_VISUAL_INDEX = loadConfig({}).visualIndex;

/** Every knob of the benchmark, from the environment, with defaults sized for a 2-core machine. */
const benchEnvSchema = z.object({
  BENCH_PRODUCTS: z.coerce.number().int().min(1_000).default(1_000_000),
  BENCH_QUERIES: z.coerce.number().int().min(2).default(200),
  BENCH_SEED: z.coerce.number().int().default(42),
  BENCH_DATABASE_URL: z.url().optional(),
  BENCH_WORKLOAD: z.enum([...WORKLOAD_NAMES, "all"]).default("all"),
  BENCH_VISUAL: z.enum(["on", "off", "only"]).default("on"),
  BENCH_VISUAL_QUERIES: z.coerce.number().int().min(2).default(100),
  BENCH_VISUAL_PROBES: z.coerce.number().int().min(1).default(APP_VISUAL_INDEX.probes),
  BENCH_VISUAL_PROBE_SWEEP: z
    .string()
    .regex(/^\d+(,\d+)*$/)
    .default("4,8,16,32")
    .transform((list) => list.split(",").map(Number)),
  BENCH_VISUAL_PER_LIST: z.coerce.number().int().min(10).default(APP_VISUAL_INDEX.vectorsPerList),
  BENCH_VISUAL_SAMPLE: z.coerce.number().int().min(100).default(APP_VISUAL_INDEX.sampleSize),
});

/** The visual half (photo embeddings, IVF lists, hybrid ranking): seeded with the catalogue workload only. */
export interface VisualBenchConfig {
  /** "only": seed everything, but measure the visual and hybrid queries alone (for tuning runs). */
  mode: "on" | "off" | "only";
  /** Split evenly between another photo of a catalogue product and a photo of a new product. */
  queries: number;
  /** Lists nearestProducts probes in the timed and hybrid runs (the app's default, VISUAL_SEARCH_PROBES, unless set). */
  probes: number;
  /** Probe counts whose recall and time are also measured, for tuning. */
  probeSweep: number[];
  /** VisualIndexBuilder settings: vectors per list and training sample. */
  index: VisualIndexSettings;
}

export interface BenchConfig {
  products: number;
  /** Split evenly between popular and rare queries. */
  queries: number;
  seed: number;
  /** A server to use instead of starting an embedded one; a fresh database is made there. */
  databaseUrl: string | undefined;
  /** What the catalogue and queries look like (workloads.ts), each measured in a database of its own. */
  workloads: WorkloadName[];
  /** Results per query, as the GraphQL search asks for by default. */
  limit: number;
  visual: VisualBenchConfig;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const parsed = benchEnvSchema.parse(env);
  return {
    products: parsed.BENCH_PRODUCTS,
    queries: parsed.BENCH_QUERIES,
    seed: parsed.BENCH_SEED,
    databaseUrl: parsed.BENCH_DATABASE_URL,
    workloads: parsed.BENCH_WORKLOAD === "all" ? [...WORKLOAD_NAMES] : [parsed.BENCH_WORKLOAD],
    limit: 10,
    visual: {
      mode: parsed.BENCH_VISUAL,
      queries: parsed.BENCH_VISUAL_QUERIES,
      probes: parsed.BENCH_VISUAL_PROBES,
      probeSweep: parsed.BENCH_VISUAL_PROBE_SWEEP,
      index: { minVectors: APP_VISUAL_INDEX.minVectors, growthFactor: APP_VISUAL_INDEX.growthFactor, vectorsPerList: parsed.BENCH_VISUAL_PER_LIST, sampleSize: parsed.BENCH_VISUAL_SAMPLE },
    },
  };
}
