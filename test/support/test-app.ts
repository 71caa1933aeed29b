import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { startApp, type AppOverrides, type RunningApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { GraphQLClient } from "./graphql-client.js";
import { createTestDatabase, withClient } from "./test-database.js";

export interface TestApp {
  app: RunningApp;
  client: GraphQLClient;
  databaseUrl: string;
  uploadsDir: string;
  /** Every file under uploads/, in-flight ones included. */
  storedFiles(): Promise<string[]>;
  /** Row counts of the catalogue tables. */
  rowCounts(): Promise<{ product: number; photo: number }>;
  sql<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The real app on a random port, with its own database and uploads folder. */
export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const app = await startTestAppOn(database.url, database.url, env, overrides);
  return { ...app, stop: async () => (await app.stop(), await database.drop()) };
}

/**
 * The app connected through `appDatabaseUrl` (a proxy, say), with the test's
 * own assertions going straight to `databaseUrl`. The caller drops the database.
 */
export async function startTestAppOn(appDatabaseUrl: string, databaseUrl: string, env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const database = { url: databaseUrl };
  const ownsUploads = !env.UPLOADS_DIR;
  const uploadsDir = env.UPLOADS_DIR ?? (await mkdtemp(path.join(tmpdir(), "lookalike-uploads-")));
  const config = loadConfig({
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATABASE_URL: appDatabaseUrl,
    DATABASE_POOL_MAX: "4",
    UPLOADS_DIR: uploadsDir,
    LOG_LEVEL: "silent",
    ...env,
  });
  const removeUploads = () => (ownsUploads ? rm(uploadsDir, { recursive: true, force: true }) : Promise.resolve());
  const app = await startApp(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }), ...overrides }).catch(async (error: unknown) => {
    await removeUploads(); // a test of a refused start leaves no folder behind
    throw error;
  });
  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);
  return {
    app,
    client: new GraphQLClient(`${app.url}/graphql`),
    databaseUrl: database.url,
    uploadsDir,
    storedFiles: async () => (await readdir(uploadsDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name),
    rowCounts: async () => {
      const [row] = await sql<{ product: number; photo: number }>(
        "select (select count(*)::int from product) as product, (select count(*)::int from photo) as photo",
      );
      return row!;
    },
    sql,
    stop: async () => {
      try {
        await app.stop();
      } finally {
        await removeUploads();
      }
    },
  };
}
