import { z } from "zod";
import { WORKLOAD_NAMES, type WorkloadName } from "./workloads.js";

/** Every knob of the benchmark, from the environment, with defaults sized for a 2-core machine (about 7 minutes). */
const benchEnvSchema = z.object({
  BENCH_PRODUCTS: z.coerce.number().int().min(1_000).default(1_000_000),
  BENCH_QUERIES: z.coerce.number().int().min(2).default(200),
  BENCH_SEED: z.coerce.number().int().default(42),
  BENCH_DATABASE_URL: z.url().optional(),
  BENCH_WORKLOAD: z.enum([...WORKLOAD_NAMES, "all"]).default("all"),
});

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
  };
}
