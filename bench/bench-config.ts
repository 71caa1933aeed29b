import { z } from "zod";

/** Every knob of the benchmark, from the environment, with defaults sized for a 2-core machine. */
const benchEnvSchema = z.object({
  BENCH_PRODUCTS: z.coerce.number().int().min(1_000).default(100_000),
  BENCH_QUERIES: z.coerce.number().int().min(2).default(200),
  BENCH_BASELINE_RUNS: z.coerce.number().int().min(1).default(15),
  BENCH_SEED: z.coerce.number().int().default(42),
  BENCH_DATABASE_URL: z.url().optional(),
});

export interface BenchConfig {
  products: number;
  /** Split evenly between popular and rare queries. */
  queries: number;
  /** Timed runs of the naive baseline per query kind (each loads every row). */
  baselineRuns: number;
  seed: number;
  /** A server to use instead of starting an embedded one; a fresh database is made there. */
  databaseUrl: string | undefined;
  /** Results per query, as the GraphQL search asks for. */
  limit: number;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const parsed = benchEnvSchema.parse(env);
  return {
    products: parsed.BENCH_PRODUCTS,
    queries: parsed.BENCH_QUERIES,
    baselineRuns: parsed.BENCH_BASELINE_RUNS,
    seed: parsed.BENCH_SEED,
    databaseUrl: parsed.BENCH_DATABASE_URL,
    limit: 10,
  };
}
