import type { MikroORM } from "@mikro-orm/postgresql";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { poolUse, watchStatements } from "../db/orm.js";
import { SQL_BUCKETS } from "./registry.js";

/**
 * SQL through the ORM's connection: how many statements and how long each
 * took (by first keyword and outcome), and the connection pool's use, read
 * from the pool when Prometheus scrapes rather than polled.
 */
export function observeDatabase(registry: Registry, orm: MikroORM): void {
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
  watchStatements(orm, {
    sent: () => statements.inc(),
    finished: ({ verb, seconds, failed }) => duration.observe({ verb, outcome: failed ? "error" : "ok" }, seconds),
  });

  new Gauge({
    name: "lookalike_db_pool_connections",
    help: "Connections of the ORM's PostgreSQL pool, by state: used (lent out), idle, waiting (requests queued for one), max.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const use = poolUse(orm);
      this.reset();
      if (!use) return;
      for (const state of ["used", "idle", "waiting", "max"] as const) this.set({ state }, use[state]);
      this.set({ state: "total" }, use.used + use.idle);
    },
  });
}
