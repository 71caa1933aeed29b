import type { MikroORM } from "@mikro-orm/postgresql";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { poolUse, watchStatements } from "../db/orm.js";
import { SQL_BUCKETS } from "./registry.js";

/**
 * SQL through the ORMs' connections (the requests' pool and the jobs' and
 * maintenance's): how many statements and how long each took (by first
 * keyword and outcome, both pools together), and each pool's use, read from
 * the pools when Prometheus scrapes rather than polled.
 */
export function observeDatabase(registry: Registry, pools: Readonly<Record<string, MikroORM>>): void {
  const orms = Object.values(pools);
  const statements = new Counter({
    name: "lookalike_sql_statements_total",
    help: "SQL statements sent to PostgreSQL through the ORM's pool.",
    registers: [registry],
  });
  const duration = new Histogram({
    name: "lookalike_sql_statement_duration_seconds",
    help: "Time from sending an SQL statement to its answer, by first keyword and outcome (ok or error).",
    labelNames: ["verb", "outcome"] as const,
    buckets: SQL_BUCKETS,
    registers: [registry],
  });
  for (const orm of orms) {
    watchStatements(orm, {
      sent: () => statements.inc(),
      finished: ({ verb, seconds, failed }) => duration.observe({ verb, outcome: failed ? "error" : "ok" }, seconds),
    });
  }

  new Gauge({
    name: "lookalike_db_pool_connections",
    help: "Connections of the ORMs' PostgreSQL pools (requests: GraphQL requests'; background: jobs' and maintenance's), by pool and state: used (lent out), idle, waiting (requests queued for one), max.",
    labelNames: ["pool", "state"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, orm] of Object.entries(pools)) {
        const use = poolUse(orm);
        if (!use) continue;
        for (const state of ["used", "idle", "waiting", "max"] as const) this.set({ pool, state }, use[state]);
        this.set({ pool, state: "total" }, use.used + use.idle);
      }
    },
  });
}
