import { Gauge, type Registry } from "prom-client";
import type { QueueBacklog } from "../jobs/job-queue.js";

export interface JobQueueMetricsOptions {
  backlog(): Promise<QueueBacklog[]>;
  /** How long a scrape waits for the backlog query before it reports the queue as unknown. */
  timeoutMs: number;
}

/**
 * Queue depth and the oldest waiting job's age, computed when Prometheus
 * scrapes. A slow or unreachable database must not hang /metrics: the query
 * gets `timeoutMs`, then the scrape goes on without these series (and
 * lookalike_job_queue_up says 0). At most one query runs at a time: a scrape
 * that comes while one is still out waits for that one instead of sending
 * another, so a stuck database holds one connection, not one per scrape.
 */
export function observeJobQueue(registry: Registry, options: JobQueueMetricsOptions): void {
  let inFlight: Promise<QueueBacklog[]> | null = null;
  // prom-client starts every collect() of a scrape in the same tick: the three gauges share one query.
  const read = async (): Promise<QueueBacklog[] | null> => {
    inFlight ??= options.backlog().finally(() => (inFlight = null));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), options.timeoutMs)));
    return Promise.race([inFlight.catch(() => null), timeout]).finally(() => clearTimeout(timer));
  };

  new Gauge({
    name: "lookalike_job_queue_up",
    help: "1 when the last scrape could read the job queue's backlog, 0 when the query failed or timed out.",
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "lookalike_job_queue_jobs",
    help: "Unfinished jobs per queue and state: created and retry are waiting, active are running.",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      const rows = await read();
      this.reset();
      for (const row of rows ?? []) this.set({ queue: row.queue, state: row.state }, row.jobs);
    },
  });
  new Gauge({
    name: "lookalike_job_queue_oldest_waiting_seconds",
    help: "Age of the oldest job still waiting (created or retry) per queue; 0 when none waits.",
    labelNames: ["queue"] as const,
    registers: [registry],
    async collect() {
      const rows = await read();
      this.reset();
      const oldest = new Map<string, number>();
      for (const row of rows ?? []) {
        const waiting = row.state === "created" || row.state === "retry" ? row.oldestSeconds : 0;
        oldest.set(row.queue, Math.max(oldest.get(row.queue) ?? 0, waiting));
      }
      for (const [queue, seconds] of oldest) this.set({ queue }, seconds);
    },
  });
}
