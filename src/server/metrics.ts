/** A few counters in Prometheus' text format: enough to watch a process, no client library needed. */
export interface MetricsSource {
  sqlStatements(): number;
}

export function renderMetrics(source: MetricsSource): string {
  const memory = process.memoryUsage();
  return [
    "# HELP lookalike_sql_statements_total SQL statements sent to PostgreSQL.",
    "# TYPE lookalike_sql_statements_total counter",
    `lookalike_sql_statements_total ${source.sqlStatements()}`,
    "# HELP process_resident_memory_bytes Resident set size.",
    "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes ${memory.rss}`,
    "",
  ].join("\n");
}
