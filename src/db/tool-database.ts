import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { EMBEDDED_DATABASE, embeddedPostgresUrl, startEmbeddedPostgres } from "./embedded-postgres.js";

/**
 * The database for a command-line tool such as `npm run keys`: DATABASE_URL
 * when set; else the embedded server of the app that is running (its
 * postmaster.pid is there), which a second start would stop; else the
 * embedded server started for the command alone and stopped after it.
 */
export async function openToolDatabase(config: Config): Promise<{ url: string; close(): Promise<void> }> {
  if (config.database.url) return { url: config.database.url, close: async () => {} };
  const { dataDir, port } = config.database.embedded;
  if (existsSync(path.join(dataDir, "postmaster.pid"))) return { url: embeddedPostgresUrl(port, EMBEDDED_DATABASE), close: async () => {} };
  const embedded = await startEmbeddedPostgres({ dataDir, port, database: EMBEDDED_DATABASE, log: () => {} });
  return { url: embedded.url, close: () => embedded.stop() };
}
