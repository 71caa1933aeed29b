import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * One registry per app, made in the composition root and handed to whatever
 * records metrics. Never prom-client's global default registry: tests start
 * several apps in one process, and two apps registering the same metric name
 * on one registry would throw.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  // Node's own series: CPU, memory, heap, GC, handles, and event-loop lag (nodejs_eventloop_lag_*).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return registry;
}

/** Seconds since `start` (a process.hrtime.bigint() reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Buckets for work that takes milliseconds to a minute (GraphQL operations, analyses). */
export const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Buckets for single SQL statements: most take well under a millisecond. */
export const SQL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
