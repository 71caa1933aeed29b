import { Router } from "express";
import type { Registry } from "prom-client";
import type { ReadinessReport } from "../../observability/readiness.js";

export interface ObservabilityRoutesOptions {
  /** The report /health has always given (database, tagger, embedder); kept as it is for its existing users. */
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  readiness: () => Promise<ReadinessReport>;
  registry: Registry;
}

/**
 * What orchestrators and Prometheus ask: /health/live (the process answers:
 * restart it when it does not), /health/ready (send it traffic only when its
 * database, migrations and models are ready; 503 with what is not, else 200),
 * /health as before, and /metrics.
 */
export function observabilityRoutes(options: ObservabilityRoutesOptions): Router {
  const router = Router();
  router.get("/health/live", (_req, res) => {
    res.json({ live: true });
  });
  router.get("/health/ready", async (_req, res) => {
    const report = await options.readiness();
    res.status(report.ready ? 200 : 503).json(report);
  });
  router.get("/health", async (_req, res) => {
    const report = await options.health();
    res.status(report.ok ? 200 : 503).json(report);
  });
  router.get("/metrics", async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });
  return router;
}
