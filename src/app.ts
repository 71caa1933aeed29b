import type { EntityManager } from "@mikro-orm/postgresql";
import pino, { type Logger } from "pino";
import { createTagger } from "./analysis/create-tagger.js";
import { CatalogService } from "./catalog/catalog-service.js";
import { ProductRepository } from "./catalog/product-repository.js";
import type { Config } from "./config.js";
import { startEmbeddedPostgres, type RunningPostgres } from "./db/embedded-postgres.js";
import { countStatements, createOrm, migrate } from "./db/orm.js";
import { createContextFactory } from "./graphql/context.js";
import { buildLookalikeSchema } from "./graphql/schema.js";
import { LocalImageStorage } from "./media/local-storage.js";
import { startHttpServer } from "./server/http-server.js";

export interface RunningApp {
  url: string;
  port: number;
  logger: Logger;
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = "lookalike";
const STALE_INCOMING_MS = 60 * 60 * 1000;

/**
 * The composition root: config -> database -> storage -> tagger -> services
 * -> server. Everything else takes its dependencies as arguments.
 * Shutdown runs in reverse: stop accepting and drain, release the tagger,
 * close the pool, and stop the embedded PostgreSQL last.
 */
export async function startApp(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<RunningApp> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((err) => logger.error({ err }, "shutdown step failed"));
  };
  try {
    const database = await connectDatabase(config, logger);
    if (database.embedded) stops.push(() => database.embedded!.stop());
    const orm = await createOrm({ url: database.url, poolMax: config.database.poolMax, log: (m) => logger.debug(m) });
    stops.push(() => orm.close());
    const statements = countStatements(orm);
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ applied }, "database migrated");

    const storage = new LocalImageStorage(config.media.uploadsDir);
    await storage.init();
    await storage.sweepIncoming(STALE_INCOMING_MS);

    const tagger = createTagger(config.tagger, config.media.maxImagePixels, logger.child({ component: "tagger" }));
    stops.push(() => tagger.close());
    const limits = {
      maxBytes: config.media.maxUploadBytes,
      maxPixels: config.media.maxImagePixels,
      taggerTimeoutMs: config.tagger.timeoutMs,
    };
    const createCatalog = (em: EntityManager) => new CatalogService({ repository: new ProductRepository(em), storage, tagger, limits });

    const http = await startHttpServer(
      {
        schema: await buildLookalikeSchema(),
        context: createContextFactory({ orm, createCatalog, publicUrl: config.http.publicUrl }),
        uploadsDir: config.media.uploadsDir,
        maxUploadBytes: config.media.maxUploadBytes,
        introspection: config.env !== "production",
        health: async () => {
          const databaseOk = await orm.isConnected().catch(() => false);
          return { ok: databaseOk, database: databaseOk ? "up" : "down", tagger: tagger.health() };
        },
        metrics: { sqlStatements: statements.read },
        logger,
      },
      config.http.host,
      config.http.port,
    );
    stops.push(() => http.stop());
    logger.info({ url: `${http.url}/graphql`, tagger: tagger.name, database: database.embedded ? "embedded" : "external" }, "Lookalike is ready");
    return { url: http.url, port: http.port, logger, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function connectDatabase(config: Config, logger: Logger): Promise<{ url: string; embedded?: RunningPostgres }> {
  if (config.database.url) return { url: config.database.url };
  const pgLogger = logger.child({ component: "embedded-postgres" });
  const embedded = await startEmbeddedPostgres({
    ...config.database.embedded,
    database: EMBEDDED_DATABASE,
    log: (message) => pgLogger.debug(message.trim()),
  });
  return { url: embedded.url, embedded };
}
