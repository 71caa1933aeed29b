import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import pino, { type Logger } from "pino";
import { createAnalysers, type Analysers } from "./analysis/create-tagger.js";
import type { Embedder } from "./analysis/embedding.js";
import type { Tagger } from "./analysis/tagger.js";
import { API_KEY_REVOKED, ApiKeyStore } from "./auth/api-key-store.js";
import { ApiKeys } from "./auth/api-keys.js";
import { describeAuthMode, refuseUnsetAuthInProduction } from "./auth/auth-setting.js";
import { AnalysisRunner } from "./jobs/analysis-runner.js";
import { AnalysisWatch } from "./jobs/analysis-watch.js";
import { CatalogService } from "./catalog/catalog-service.js";
import { ProductRepository } from "./catalog/product-repository.js";
import { PhotoFeaturesRepository } from "./catalog/photo-features-repository.js";
import { SimilarityRepository } from "./search/similarity-repository.js";
import { SimilarityService } from "./search/similarity-service.js";
import { TextSearchRepository } from "./search/text-search.js";
import { startVisualMaintenance } from "./jobs/visual-maintenance.js";
import { startStoredPhotoSweep } from "./jobs/stored-photo-sweep.js";
import { RankingGate } from "./search/ranking-gate.js";
import { VisualListCache } from "./search/visual-list-cache.js";
import { VisualRepository } from "./search/visual-repository.js";
import type { Config } from "./config.js";
import { EMBEDDED_DATABASE, startEmbeddedPostgres } from "./db/embedded-postgres.js";
import { startPgEventBus } from "./jobs/event-bus.js";
import { AnalysisJobQueue } from "./jobs/job-queue.js";
import { supervisePostgres, type SupervisedPostgres } from "./db/postgres-supervisor.js";
import { createOrm, migrate, pendingMigrations } from "./db/orm.js";
import { createContextFactory } from "./graphql/context.js";
import { buildLookalikeSchema } from "./graphql/schema.js";
import { IncomingFiles } from "./media/incoming-files.js";
import { createPhotoStorage, incomingDirOf } from "./media/storage/create-photo-storage.js";
import type { PhotoStorage } from "./media/storage/photo-storage.js";
import { PhotoUrls } from "./media/storage/photo-urls.js";
import { CatalogueGeneration } from "./server/response-cache/catalogue-generation.js";
import { startHttpServer } from "./server/http-server.js";
import { PersistedDocuments } from "./trusted-documents/manifest.js";
import { createRateLimiter } from "./server/limits/rate/create-rate-limiter.js";
import { analysisMetrics } from "./observability/analysis-metrics.js";
import { observeDatabase } from "./observability/database-metrics.js";
import { observeJobQueue } from "./observability/job-queue-metrics.js";
import { operationNamesOf } from "./observability/operation-names.js";
import { analysersCheck, databaseCheck, migrationsCheck, readiness } from "./observability/readiness.js";
import { createMetricsRegistry } from "./observability/registry.js";
import { startMetricsServer } from "./server/observability/metrics-server.js";
import { catalogEntities } from "./catalog/entities.js";
import { HttpImageFetcher } from "./media/remote/http-image-fetcher.js";
import { IMPORT_ITEM_QUEUE, ImportItemJob, importQueueOptions, type ImportItemJobData } from "./imports/import-item-job.js";
import { ImportRepository } from "./imports/import-repository.js";
import { ImportService } from "./imports/import-service.js";
import { CatalogReads, SharedCatalogReads } from "./catalog/catalog-reads.js";

export interface RunningApp {
  /** Base URL of the HTTP server; empty for a worker-only process. */
  url: string;
  port: number;
  logger: Logger;
  stop(): Promise<void>;
  /** Settles only when the app cannot go on by itself (its embedded PostgreSQL would not come back); the entry point then stops it and exits non-zero. */
  failed: Promise<Error>;
}

export interface AppRoles {
  /** Serve the GraphQL API over HTTP and WebSocket. */
  http: boolean;
  /** Run analysis jobs in this process. */
  worker: boolean;
}

/** What a test (or an embedding program) puts in place of the real thing; the rest is built from the config as always. */
export interface AppOverrides {
  logger?: Logger;
  roles?: AppRoles;
  /** Used instead of the configured tagger (the caller closes it). */
  tagger?: Tagger;
  /** Used instead of the local embedder (the caller closes it); with a tagger too, no local panel is started at all. */
  embedder?: Embedder;
  /** Used instead of the configured storage (the caller owns it; startApp still calls init()). */
  storage?: PhotoStorage;
}

/** Scratch files and stored photos without a row are left alone this long: an upload may still be on its way to its row. */
const STALE_INCOMING_MS = 60 * 60 * 1000;
/** A scrape of /metrics waits this long for the job queue's backlog; a readiness probe this long for each check. */
const OBSERVATION_TIMEOUT_MS = 2_000;
/** How often readiness looks at the migrations table again (they are applied at start). */
const MIGRATIONS_RECHECK_MS = 30_000;
const SWEEP_BATCH = 100;

/**
 * The composition root: config -> database -> storage -> tagger -> services
 * -> server and workers. Everything else takes its dependencies as arguments.
 * Shutdown runs in reverse: stop accepting and close sockets, finish or
 * release in-flight jobs, release the tagger, close the pool, and stop the
 * embedded PostgreSQL last.
 */
export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<RunningApp> {
  const logger = overrides.logger ?? pino({ level: config.logLevel });
  const roles = overrides.roles ?? { http: true, worker: config.jobs.runWorker };
  if (roles.http) refuseUnsetAuthInProduction(config);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((err) => logger.error({ err }, "shutdown step failed"));
  };
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  try {
    const database = await connectDatabase(config, logger, fail);
    if (database.embedded) stops.push(() => database.embedded!.stop());
    const ormOptions = { url: database.url, poolMax: config.database.poolMax, log: (m: string) => logger.debug(m), entities: catalogEntities };
    // Jobs, maintenance and migrations: no statement limit (a visual index build updates every vector).
    const orm = await createOrm(ormOptions);
    stops.push(() => orm.close());
    // GraphQL requests: a pool of their own, whose statements PostgreSQL cancels past the limit, so one
    // slow search (or one a client gave up on) cannot hold connections and CPU for long, and without
    // parallel workers (db/orm.ts, REQUEST_SESSION_OPTIONS).
    const requestOrm = roles.http ? await createOrm({ ...ormOptions, statementTimeoutMs: config.database.requestStatementTimeoutMs, serialStatements: true, keepConnections: true }) : null;
    if (requestOrm) stops.push(() => requestOrm.close());
    // One per process: the product cards and photos that concurrent requests ask for go in shared statements.
    const sharedReads = requestOrm ? new SharedCatalogReads(() => requestOrm.em.fork()) : null;
    // One registry per app (observability/registry.ts); every metric below is registered on it.
    const metrics = createMetricsRegistry();
    observeDatabase(metrics, requestOrm ? { requests: requestOrm, background: orm } : { background: orm });
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info({ applied }, "database migrated");
    const pendingAtStart = await pendingMigrations(orm);

    const storage = overrides.storage ?? createPhotoStorage(config);
    await storage.init();
    const incoming = new IncomingFiles(incomingDirOf(config));
    await incoming.init();
    await incoming.sweep(STALE_INCOMING_MS);
    const photoUrls = new PhotoUrls(storage, config.storage.photoUrls, config.storage.photoUrlTtlSeconds);

    const bus = await startPgEventBus(database.url, (sql, params) => orm.em.getConnection().execute(sql, params), logger);
    stops.push(() => bus.close());
    const jobs = await AnalysisJobQueue.start({ ...config.jobs, url: database.url, poolMax: 4, log: logger });
    observeJobQueue(metrics, { backlog: () => jobs.backlog(), timeoutMs: OBSERVATION_TIMEOUT_MS });
    const analysers = analysersFor(config, logger, overrides);
    const { tagger, close: closeAnalysers } = analysers;
    // VISUAL_SEARCH=false: no photo is embedded, and rankings by photo go by tags alone.
    const embedder = config.visualIndex.enabled ? analysers.embedder : null;
    stops.push(closeAnalysers);
    // Stopped before the tagger (stops run in reverse): in-flight jobs finish first.
    stops.push(() => jobs.stop(config.shutdownTimeoutMs));

    const limits = {
      maxBytes: config.media.maxUploadBytes,
      maxPixels: config.media.maxImagePixels,
      taggerTimeoutMs: config.tagger.timeoutMs,
    };
    const createCatalog = (em: EntityManager, shared: SharedCatalogReads | null = null) =>
      new CatalogService({
        repository: new ProductRepository(em),
        reads: new CatalogReads(em, shared),
        features: new PhotoFeaturesRepository(em),
        storage,
        incoming,
        tagger,
        limits,
        jobs,
        bus,
        logger,
        nearDuplicateMaxDistance: config.media.nearDuplicateMaxDistance,
      });
    const importQueue = importQueueOptions(config.importFetch.timeoutMs);
    await jobs.createWorkQueue(IMPORT_ITEM_QUEUE, importQueue);
    const imports = new ImportService({
      createRepository: () => new ImportRepository(orm.em.fork()),
      jobs,
      bus,
      maxPendingItems: config.importFetch.maxPendingItems,
      assertCanAnalyse: () => createCatalog(orm.em.fork()).assertTaggerConfigured(),
      logger,
    });
    // One per process: every request's repository ranks the lists from the same centroids.
    const visualLists = new VisualListCache();
    // One per process: every request's ranking waits for its turn in the same line.
    const rankingGate = new RankingGate(config.database.rankings.slots, config.database.rankings.maxWaitMs);
    const createSimilarity = (em: EntityManager) =>
      new SimilarityService({
        similarity: new SimilarityRepository(em, sharedReads),
        text: new TextSearchRepository(em),
        visual: new VisualRepository(em, analysers.embedder.model, config.visualIndex.probes, visualLists),
        products: new ProductRepository(em),
        incoming,
        tagger,
        embedder,
        limits,
        nearDuplicateMaxDistance: config.media.nearDuplicateMaxDistance,
        bus,
        gate: rankingGate,
      });
    // What /health and /health/ready report, on the API's server or a worker's own (below).
    const health = async () => {
      const databaseOk = await orm.isConnected().catch(() => false);
      return { ok: databaseOk, database: databaseOk ? "up" : "down", tagger: tagger.health(), embedder: embedder?.health() ?? "off" };
    };
    const ready = readiness(
      [databaseCheck(orm), migrationsCheck(orm, pendingAtStart, MIGRATIONS_RECHECK_MS), analysersCheck(tagger, embedder)],
      OBSERVATION_TIMEOUT_MS,
    );

    if (roles.worker) {
      const runner = new AnalysisRunner({
        createEntityManager: () => orm.em.fork(),
        storage,
        tagger,
        embedder,
        bus,
        taggerTimeoutMs: config.tagger.timeoutMs,
        logger: logger.child({ component: "analysis" }),
        observer: analysisMetrics(metrics),
      });
      await jobs.work(config.jobs.concurrency, (analysisId, attempt) => runner.run(analysisId, attempt));
      const importItems = new ImportItemJob({
        createScope: () => {
          const em = orm.em.fork();
          return { imports: new ImportRepository(em), products: new ProductRepository(em), catalog: createCatalog(em) };
        },
        fetcher: new HttpImageFetcher({ maxBytes: config.media.maxUploadBytes, ...config.importFetch }),
        incoming,
        logger: logger.child({ component: "import" }),
      });
      await jobs.defineWork(IMPORT_ITEM_QUEUE, { ...importQueue, concurrency: config.importFetch.concurrency }, (data, attempt) =>
        importItems.run(data as ImportItemJobData, attempt),
      );
      stops.push(startSweep(orm, jobs, imports, config.jobs.maintenanceIntervalSeconds, logger));
      stops.push(
        await startStoredPhotoSweep({
          jobs,
          storage,
          referencedKeys: (keys) => new ProductRepository(orm.em.fork()).storedKeysAmong(keys),
          intervalSeconds: config.storage.sweepIntervalSeconds,
          graceMs: config.storage.sweepGraceSeconds * 1000,
          logger: logger.child({ component: "stored-photo-sweep" }),
        }),
      );
      if (embedder) {
        stops.push(
          await startVisualMaintenance({
            jobs,
            createEntityManager: () => orm.em.fork(),
            storage,
            embedder,
            index: config.visualIndex,
            intervalSeconds: config.jobs.maintenanceIntervalSeconds,
            logger: logger.child({ component: "visual-maintenance" }),
          }),
        );
      }
    }

    let url = "";
    let port = 0;
    if (roles.http) {
      const apiKeys = new ApiKeys(new ApiKeyStore((sql, params) => orm.em.getConnection().execute(sql, params)), config.auth.mode);
      bus.subscribe(API_KEY_REVOKED, (id) => apiKeys.forget(String(id)));
      bus.onReconnect(() => apiKeys.forgetAll());
      const authMode = describeAuthMode(config);
      logger[authMode.level]({ auth: config.auth.mode }, authMode.message);
      if (!config.queryLimits.enabled) logger.warn("GRAPHQL_LIMITS=off: operations are not measured before they run (no depth, alias, directive, token or cost limit)");
      // A lease outlives a process that died while receiving an upload and analysing it, then lapses.
      const rateLimiter = config.rateLimits.enabled
        ? createRateLimiter(orm, { ...config.rateLimits, leaseTtlMs: config.httpTimeouts.requestMs + config.jobs.expireInSeconds * 1000 }, logger)
        : undefined;
      // Stops run in reverse: the points taken ahead go back once the server has stopped, before the pool closes.
      if (rateLimiter) stops.push(() => rateLimiter.close());
      const persistedDocuments = PersistedDocuments.ofSdk();
      const http = await startHttpServer(
        {
          schema: await buildLookalikeSchema(),
          context: createContextFactory({
            orm: requestOrm!,
            createCatalog: (em) => createCatalog(em, sharedReads),
            createSimilarity,
            analysis: new AnalysisWatch(bus, () => new ProductRepository(orm.em.fork())),
            imports,
            publicUrl: config.http.publicUrl,
            photoUrls,
            apiKeys,
          }),
          authenticate: (token, options) => apiKeys.authenticate(token, options),
          trustedDocuments: { documents: persistedDocuments, mode: config.trustedDocuments },
          photoStorage: storage,
          maxUploadBytes: config.media.maxUploadBytes,
          introspection: config.http.introspection,
          wsInitTimeoutMs: config.wsInitTimeoutMs,
          graphiql: config.http.graphiql,
          health,
          readiness: ready,
          metrics,
          knownOperationNames: operationNamesOf(persistedDocuments.texts()),
          logger,
          requestLogger: logger,
          queryLimits: config.queryLimits,
          costBudget: rateLimiter,
          trustProxyHops: config.rateLimits.trustProxyHops,
          httpTimeouts: config.httpTimeouts,
          stacktraces: config.env !== "production",
          responseCache: config.responseCache ? { ...config.responseCache, generation: new CatalogueGeneration(bus) } : undefined,
        },
        config.http.host,
        config.http.port,
      );
      stops.push(() => http.stop());
      ({ url, port } = http);
    }
    // Without the API there is no server for /metrics: a worker's analysis series would go unseen. Started last, so a
    // probe finds it ready only once jobs are being taken; stopped first (stops run in reverse).
    let metricsUrl: string | undefined;
    if (!roles.http && config.http.workerMetricsPort !== undefined) {
      const server = await startMetricsServer(
        { health, readiness: ready, registry: metrics, requestLogger: logger, httpTimeouts: config.httpTimeouts },
        config.http.host,
        config.http.workerMetricsPort,
      );
      stops.push(() => server.stop());
      metricsUrl = `${server.url}/metrics`;
    }
    logger.info(
      { url: url ? `${url}/graphql` : undefined, metricsUrl, roles, tagger: tagger.name, storage: storage.description, database: database.embedded ? "embedded" : "external" },
      "Lookalike is ready",
    );
    return { url, port, logger, stop, failed };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The configured tagger and embedder, except those the overrides bring; no local panel when both are brought. */
function analysersFor(config: Config, logger: Logger, overrides: AppOverrides): Analysers {
  if (overrides.tagger && overrides.embedder) return { tagger: overrides.tagger, embedder: overrides.embedder, close: async () => {} };
  const made = createAnalysers(config.tagger, config.media.maxImagePixels, logger.child({ component: "tagger" }));
  return { tagger: overrides.tagger ?? made.tagger, embedder: overrides.embedder ?? made.embedder, close: made.close };
}

async function connectDatabase(
  config: Config,
  logger: Logger,
  onGiveUp: (error: Error) => void,
): Promise<{ url: string; embedded?: SupervisedPostgres }> {
  if (config.database.url) return { url: config.database.url };
  const pgLogger = logger.child({ component: "embedded-postgres" });
  // The same call restarts it after a crash: same folder, same port, stale postmaster.pid cleared.
  const startEmbedded = () =>
    startEmbeddedPostgres({
      ...config.database.embedded,
      database: EMBEDDED_DATABASE,
      log: (message) => pgLogger.debug(message.trim()),
    });
  const embedded = await startEmbedded();
  const supervised = supervisePostgres(embedded, { start: startEmbedded, ...config.database.embeddedRestart, log: pgLogger, onGiveUp });
  return { url: embedded.url, embedded: supervised };
}

/**
 * Re-sends analyses left PENDING and import items left QUEUED without a job
 * (the process died between writing them and queueing them). Re-sending is
 * harmless: one job per analysis or item at a time. Returns the function
 * that stops the sweep.
 */
function startSweep(orm: MikroORM, jobs: AnalysisJobQueue, imports: ImportService, intervalSeconds: number, logger: Logger): () => Promise<void> {
  const sweep = async () => {
    try {
      const ids = await new ProductRepository(orm.em.fork()).staleUnfinishedAnalysisIds(intervalSeconds * 1000, SWEEP_BATCH);
      for (const id of ids) await jobs.enqueue(id);
      await imports.send(await new ImportRepository(orm.em.fork()).waitingItems(intervalSeconds * 1000, SWEEP_BATCH));
    } catch (error) {
      logger.warn({ err: error }, "analysis sweep failed; will try again");
    }
  };
  void sweep();
  const timer = setInterval(sweep, intervalSeconds * 1000);
  timer.unref();
  return async () => clearInterval(timer);
}
