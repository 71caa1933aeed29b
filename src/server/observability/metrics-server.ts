import { createServer } from "node:http";
import express from "express";
import type { Logger } from "pino";
import { httpServerTimeouts, type HttpTimeouts } from "../http-timeouts.js";
import type { RunningHttpServer } from "../http-server.js";
import { observabilityRoutes, type ObservabilityRoutesOptions } from "./observability-routes.js";
import { requestLog } from "./request-log.js";
import { listen } from "../listen.js";

export interface MetricsServerOptions extends ObservabilityRoutesOptions {
  /** The app's logger: probes and scrapes are logged at debug, as on the API. */
  requestLogger: Logger;
  httpTimeouts: HttpTimeouts;
}

/**
 * The API's /metrics, /health, /health/live and /health/ready, and nothing
 * else, for a process that serves no API (`npm run worker`): its analyses,
 * job queue, SQL and Node series live in its own registry, which no other
 * process can serve. The same routes as the API's, so probes and scrapes
 * read both alike.
 */
export async function startMetricsServer(options: MetricsServerOptions, host: string, port: number): Promise<RunningHttpServer> {
  const app = express();
  app.disable("x-powered-by");
  app.use(requestLog(options.requestLogger));
  app.use(observabilityRoutes(options));
  const server = createServer(httpServerTimeouts(options.httpTimeouts), app);
  const bound = await listen(server, host, port);
  return {
    ...bound,
    // Scrapes and probes are short: close() waits for the ones in flight and drops idle keep-alive sockets.
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
