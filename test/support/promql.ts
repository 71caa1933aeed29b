/** Functions, aggregations and keywords of PromQL that look like metric names but are not. */
const NOT_METRICS = new Set([
  "sum", "avg", "min", "max", "count", "rate", "irate", "increase", "histogram_quantile", "by", "without", "on", "ignoring",
  "group_left", "group_right", "and", "or", "unless", "offset", "bool", "topk", "bottomk", "abs", "clamp_min", "clamp_max",
  "vector", "scalar", "time", "delta", "deriv", "avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "label_replace",
]);

/**
 * The metric names a PromQL expression reads: what is left once strings,
 * label matchers, ranges, grouping clauses, Grafana variables, functions and
 * numbers are taken out. Enough for the expressions a dashboard holds.
 */
export function metricNamesIn(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\w+/g, " ")
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = match;
    if (call || NOT_METRICS.has(name!)) continue;
    names.add(name!);
  }
  return [...names];
}

/** The family a sample name belongs to in a /metrics exposition: a histogram's _bucket, _count and _sum are its own name. */
export function exportedFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(name!, type!);
  return families;
}

export function isExported(families: Map<string, string>, name: string): boolean {
  if (families.has(name)) return true;
  const base = /^(.*)_(bucket|count|sum)$/.exec(name)?.[1];
  return base !== undefined && ["histogram", "summary"].includes(families.get(base) ?? "");
}
