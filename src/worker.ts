import { startApp } from "./app.js";
import { loadConfig } from "./config.js";
import { stopOnSignals } from "./stop-on-signals.js";

/**
 * `npm run worker`: analysis jobs only, no API — the scale-out path. Several
 * workers and API processes share one database (set DATABASE_URL). With
 * WORKER_METRICS_PORT set, it serves its own /metrics and /health/* there.
 */
const config = loadConfig();
if (!config.database.url) {
  console.error("npm run worker needs DATABASE_URL: a worker shares the API's database, it never starts its own.");
  process.exit(2);
}
const starting = startApp(config, { roles: { http: false, worker: true } });
stopOnSignals(starting);
await starting;
