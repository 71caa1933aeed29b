import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import type { Config } from "../config.js";
import { EMBEDDED_DATABASE, embeddedPostgresUrl, startEmbeddedPostgres } from "./embedded-postgres.js";

/**
 * The database for a command-line tool such as `npm run keys`: DATABASE_URL
 * when set; else the embedded server of the app that is running (its
 * postmaster.pid is there and it answers), which a second start would stop;
 * else the embedded server started for the command alone and stopped after
 * it (a start also clears a pid file left by a killed run).
 */
export async function openToolDatabase(config: Config): Promise<{ url: string; close(): Promise<void> }> {
  if (config.database.url) return { url: config.database.url, close: async () => {} };
  const { dataDir, port } = config.database.embedded;
  const running = embeddedPostgresUrl(port, EMBEDDED_DATABASE);
  if (existsSync(path.join(dataDir, "postmaster.pid")) && (await answers(running))) return { url: running, close: async () => {} };
  const embedded = await startEmbeddedPostgres({ dataDir, port, database: EMBEDDED_DATABASE, log: () => {} });
  return { url: embedded.url, close: () => embedded.stop() };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
