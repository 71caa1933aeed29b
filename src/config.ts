import path from "node:path";
import { z } from "zod";
import type { AuthMode } from "./auth/request-auth.js";
import { TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from "./trusted-documents/trusted-documents-mode.js";
import { analysisTimeBoundMs } from "./analysis/analyze-with-deadline.js";
import { DEFAULT_VISUAL_INDEX } from "./search/visual-index-builder.js";
import { DEFAULT_PROBES } from "./search/visual-repository.js";
import { defaultRankingSlots } from "./search/ranking-gate.js";
import { allowEntryProblem } from "./media/remote/address-policy.js";
import type { S3StorageSettings } from "./media/storage/s3-photo-storage.js";
import type { PhotoUrlMode } from "./media/storage/photo-urls.js";

/**
 * Every setting, read once from the environment and validated here. The
 * defaults run the whole service offline: embedded PostgreSQL, local storage
 * under uploads/ and the local tagger.
 */

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalString = z.preprocess(blankToUndefined, z.string().optional());
const optionalUrl = z.preprocess(blankToUndefined, z.url().optional());
const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const bool = (fallback: boolean) =>
  z.preprocess(blankToUndefined, z.enum(["true", "false", "1", "0"]).default(fallback ? "true" : "false")).transform((v) => v === "true" || v === "1");
/** A comma-separated list; blank or unset: empty. */
const list = z.preprocess(blankToUndefined, z.string().default("")).transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean));
/** A switch whose default depends on other settings: undefined when unset. */
const optionalBool = z.preprocess(blankToUndefined, z.enum(["true", "false", "1", "0"]).optional()).transform((v) => (v === undefined ? undefined : v === "true" || v === "1"));

const envSchema = z.object({
  NODE_ENV: z.preprocess(blankToUndefined, z.enum(["development", "production", "test"]).default("development")),
  HOST: z.preprocess(blankToUndefined, z.string().default("0.0.0.0")),
  PORT: int(4000, 0, 65535),
  // /metrics and /health/* of a process without the API (npm run worker), on HOST. Unset: none, so several
  // workers on one host never fight over a port and nothing is opened that was not asked for; 0: any free port.
  WORKER_METRICS_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65535).optional()),
  PUBLIC_URL: optionalUrl,
  LOG_LEVEL: z.preprocess(blankToUndefined, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
  // Both default to on, and to off when NODE_ENV=production.
  GRAPHIQL: optionalBool,
  INTROSPECTION: optionalBool,
  // API keys (src/auth/): unset means off, except with NODE_ENV=production, where the API refuses to start until it is set.
  AUTH: z.preprocess(blankToUndefined, z.enum(["required", "off"]).optional()),
  // Who is held to the persisted documents of the SDK's manifest (src/trusted-documents/): keys flagged trustedDocumentsOnly, everyone, or nobody.
  TRUSTED_DOCUMENTS: z.preprocess(blankToUndefined, z.enum(TRUSTED_DOCUMENTS_MODES).default("keys")),

  DATABASE_URL: optionalUrl,
  DATABASE_POOL_MAX: int(10, 1, 200),
  // A statement sent for a GraphQL request is cancelled by PostgreSQL after this long (0: never); jobs and maintenance have no limit.
  DATABASE_STATEMENT_TIMEOUT_MS: int(10_000, 0, 3_600_000),
  // Rankings (search, similarProducts, findSimilarProducts) run at once per process, the rest in line (search/ranking-gate.ts); unset: from DATABASE_POOL_MAX; 0: no gate.
  SEARCH_CONCURRENCY: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(200).optional()),
  // How long a ranking waits in that line before SEARCH_BUSY; 0: no limit.
  SEARCH_QUEUE_TIMEOUT_MS: int(10_000, 0, 3_600_000),
  EMBEDDED_PG_DIR: z.preprocess(blankToUndefined, z.string().default(".data/postgres")),
  EMBEDDED_PG_PORT: int(54329, 1, 65535),
  // When the embedded server dies, it is restarted this many times, waiting this long before the first try and doubling (db/postgres-supervisor.ts).
  EMBEDDED_PG_RESTART_TRIES: int(5, 1, 100),
  EMBEDDED_PG_RESTART_BACKOFF_MS: int(1000, 1, 60_000),

  // Where photos are stored (media/storage/): a local directory (UPLOADS_DIR), or an S3-compatible bucket shared by every machine.
  STORAGE: z.preprocess(blankToUndefined, z.enum(["local", "s3"]).default("local")),
  // Local storage's directory; with STORAGE=s3 only its .incoming/ scratch folder is used (uploads are checked there first).
  UPLOADS_DIR: z.preprocess(blankToUndefined, z.string().default("uploads")),
  S3_BUCKET: optionalString,
  // Keys are stored under this prefix in the bucket ("photos/"), so one bucket can serve several deployments.
  S3_PREFIX: z.preprocess(blankToUndefined, z.string().default("")),
  // Unset: AWS itself. Set for MinIO, Ceph, R2... (then usually S3_FORCE_PATH_STYLE=true).
  S3_ENDPOINT: optionalUrl,
  S3_REGION: z.preprocess(blankToUndefined, z.string().default("us-east-1")),
  // Unset: the SDK's default chain (environment, profile, instance role).
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: bool(false),
  // How long connecting to the bucket may take, and how long a request may go without a byte either way; then
  // the SDK retries, and the caller gets STORAGE_UNAVAILABLE. A slow transfer that keeps moving is not cut.
  S3_TIMEOUT_MS: int(10_000, 100),
  // How clients fetch photos: through the API (app: ETag, Range, long caching; what a CDN in front of the API wants),
  // or by short-lived presigned URLs straight to the bucket (presigned; only with STORAGE=s3).
  PHOTO_URLS: z.preprocess(blankToUndefined, z.enum(["app", "presigned"]).default("app")),
  PHOTO_URL_TTL_SECONDS: int(900, 1, 7 * 24 * 3600),
  // How often a worker sweeps storage for photos no row names (left by a crash between storing a photo and its row).
  PHOTO_SWEEP_INTERVAL_SECONDS: int(3600, 1, 7 * 24 * 3600),
  // How old a stored photo no row names must be before the sweep removes it. An upload puts its photo before it
  // writes the row, so this must exceed the longest upload (or the sweep takes a photo whose row is still coming);
  // the default leaves an hour. Tests set it low to watch a crash's leftover go.
  PHOTO_SWEEP_GRACE_SECONDS: int(3600, 0, 7 * 24 * 3600),
  MAX_UPLOAD_BYTES: int(20 * 1024 * 1024, 1),
  MAX_IMAGE_PIXELS: int(40_000_000, 1),
  // Bits of perceptual hash; at most 11, so the indexed lookup stays at 548 probes per photo (catalog/near-duplicate-sql.ts).
  NEAR_DUPLICATE_MAX_DISTANCE: int(8, 0, 11),
  // Fetching images by URL (media/remote/, for issue 14's import): one deadline for the whole fetch, redirects
  // followed, and host names, addresses or CIDRs let through although not public (empty: public addresses only).
  IMPORT_FETCH_TIMEOUT_MS: int(30_000, 100),
  IMPORT_FETCH_MAX_REDIRECTS: int(5, 0, 20),
  // Import items a worker process fetches and writes at once: mostly waiting on other hosts, so more than
  // WORKER_CONCURRENCY; the analyses they queue still run WORKER_CONCURRENCY at a time.
  IMPORT_CONCURRENCY: int(4, 1, 64),
  // Unsettled import items one API key (or all requests without a key) may have: importProducts past it is refused
  // (RATE_LIMITED, limit pendingImportItems), so no key can queue work faster than the workers settle it.
  IMPORT_MAX_PENDING_ITEMS: int(10_000, 1),
  IMPORT_FETCH_ALLOW_HOSTS: list.superRefine((entries, ctx) => {
    for (const problem of entries.map(allowEntryProblem)) if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),

  TAGGER: z.preprocess(blankToUndefined, z.enum(["local", "openai", "openai+local", "none"]).optional()),
  TAGGER_TIMEOUT_MS: int(60_000, 100),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.preprocess(blankToUndefined, z.string().default("gpt-4o-mini")),
  OPENAI_TIMEOUT_MS: int(30_000, 100),
  OPENAI_MAX_RETRIES: int(3, 0, 10),
  OPENAI_IMAGE_DETAIL: z.preprocess(blankToUndefined, z.enum(["low", "high", "auto"]).default("low")),

  RUN_WORKER: bool(true),
  WORKER_CONCURRENCY: int(2, 1, 64),
  ANALYSIS_RETRY_LIMIT: int(3, 0, 20),
  ANALYSIS_RETRY_DELAY_SECONDS: int(2, 1, 3600),
  ANALYSIS_JOB_EXPIRE_SECONDS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).optional()),
  JOB_MAINTENANCE_SECONDS: int(30, 1, 3600),
  SHUTDOWN_TIMEOUT_MS: int(20_000, 0),
  WS_INIT_TIMEOUT_MS: int(10_000, 100),

  LOCAL_TAGGER_WORKERS: int(1, 1, 16),
  LOCAL_TAGGER_PRELOAD: bool(true),
  LOCAL_TAGGER_OCR: bool(true),
  // OCR's bounds per photo (analysis/local/text/text-reader.ts): its time, and how many candidate text regions it will read.
  LOCAL_TAGGER_OCR_BUDGET_MS: int(10_000, 100),
  LOCAL_TAGGER_OCR_MAX_REGIONS: int(60, 1),

  // Visual search (search/visual-index-builder.ts): below the minimum every vector is scanned.
  VISUAL_SEARCH: bool(true),
  VISUAL_INDEX_MIN_PHOTOS: int(20_000, 1),
  VISUAL_INDEX_PHOTOS_PER_LIST: int(500, 10),
  VISUAL_SEARCH_PROBES: int(DEFAULT_PROBES, 1, 256),

  // Answers to anonymous catalogue reads, kept in memory until the catalogue changes (server/response-cache/).
  RESPONSE_CACHE: bool(true),
  // An upper bound only: any catalogue write drops every cached answer at once.
  RESPONSE_CACHE_TTL_SECONDS: int(30, 1, 3600),
  RESPONSE_CACHE_MAX_MB: int(64, 1, 4096),

  // Limits checked before execution (server/limits/); README "Security" lists them.
  // off: none of the limits below (for a deployment behind a gateway that enforces its own, and
  // bench:http's baseline); the rate limits need them, they count the cost the limits compute.
  GRAPHQL_LIMITS: bool(true),
  GRAPHQL_MAX_TOKENS: int(2_000, 10),
  GRAPHQL_MAX_DEPTH: int(10, 1, 100),
  GRAPHQL_MAX_ALIASES: int(15, 0),
  GRAPHQL_MAX_DIRECTIVES: int(20, 0),
  GRAPHQL_MAX_COST: int(1_000, 1),
  // Defaults to on, and to off when NODE_ENV=production: "Did you mean …" hands the schema back.
  GRAPHQL_SUGGESTIONS: optionalBool,
  // HTTP server timeouts (server/http-timeouts.ts), so a slow client cannot hold a connection forever.
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100),
  HTTP_REQUEST_TIMEOUT_MS: int(120_000, 100),
  HTTP_IDLE_TIMEOUT_MS: int(30_000, 100),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 100),
  // Rate limits shared by every API process on the database (server/limits/rate/): on by default in production, off otherwise.
  RATE_LIMIT: optionalBool,
  RATE_LIMIT_POINTS: int(10_000, 1),
  RATE_LIMIT_REFILL_PER_SECOND: int(500, 1),
  RATE_LIMIT_MAX_PENDING_ANALYSES: int(20, 1),
  RATE_LIMIT_MAX_CONCURRENT_UPLOADS: int(4, 1),
  // Reverse proxies whose X-Forwarded-For is believed: anonymous requests are rate-limited by the address they forward.
  TRUST_PROXY_HOPS: int(0, 0, 10),
});

/** Every environment variable the app reads (docker-compose.yml is checked against it). */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as ReadonlyArray<keyof z.infer<typeof envSchema>>;

export type TaggerMode = "local" | "openai" | "openai+local" | "none";

export interface Config {
  env: "development" | "production" | "test";
  http: {
    host: string;
    port: number;
    publicUrl: string | undefined;
    graphiql: boolean;
    introspection: boolean;
    /** Where a worker-only process serves /metrics and /health/*; undefined: it serves nothing. */
    workerMetricsPort: number | undefined;
  };
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** required: every request needs an API key with the operation's scope; off: open. `explicit`: AUTH was set. */
  auth: { mode: AuthMode; explicit: boolean };
  /** Who runs only persisted documents (trusted-documents/trusted-documents-mode.ts). */
  trustedDocuments: TrustedDocumentsMode;
  database: {
    url: string | undefined;
    poolMax: number;
    /** How long PostgreSQL lets a statement of a GraphQL request run before cancelling it; 0: no limit. */
    requestStatementTimeoutMs: number;
    /** Rankings at once per process (0: no gate), and how long one waits for its turn (0: no limit). */
    rankings: { slots: number; maxWaitMs: number };
    embedded: { dataDir: string; port: number };
    /** Restarts of the embedded server after its postmaster dies, before the process gives up and exits non-zero. */
    embeddedRestart: { tries: number; backoffMs: number };
  };
  /** Where photos live (media/storage/create-photo-storage.ts). */
  storage: {
    kind: "local" | "s3";
    s3: S3StorageSettings | null;
    photoUrls: PhotoUrlMode;
    photoUrlTtlSeconds: number;
    sweepIntervalSeconds: number;
    /** Stored photos no row names are left alone until they are this old (uploads put the photo before the row). */
    sweepGraceSeconds: number;
  };
  media: {
    /** Local storage's root; its .incoming/ folder is the scratch of every upload, whatever the storage. */
    uploadsDir: string;
    maxUploadBytes: number;
    maxImagePixels: number;
    /** Photos whose perceptual hashes differ in at most this many bits are near duplicates. */
    nearDuplicateMaxDistance: number;
  };
  /** Fetching images by URL (media/remote/http-image-fetcher.ts); the byte cap is media.maxUploadBytes. */
  importFetch: { timeoutMs: number; maxRedirects: number; allowHosts: string[]; concurrency: number; maxPendingItems: number };
  jobs: {
    /** Whether this API process also runs analysis jobs (the default); `npm run worker` runs them alone. */
    runWorker: boolean;
    concurrency: number;
    retryLimit: number;
    retryDelaySeconds: number;
    expireInSeconds: number;
    maintenanceIntervalSeconds: number;
  };
  shutdownTimeoutMs: number;
  /** How long a WebSocket client may take to send connection_init (graphql-ws closes with 4408). */
  wsInitTimeoutMs: number;
  /** Whether photos are embedded at all, and the IVF lists of visual search: built once this many vectors exist, rebuilt as the catalogue doubles. */
  visualIndex: { enabled: boolean; minVectors: number; vectorsPerList: number; sampleSize: number; growthFactor: number; probes: number };
  /** Anonymous catalogue reads answered from memory until the catalogue changes (server/response-cache/); null: off. */
  responseCache: { ttlSeconds: number; maxBytes: number } | null;
  /** What one GraphQL operation may ask for, checked before anything runs (server/limits/). */
  queryLimits: { enabled: boolean; maxTokens: number; maxDepth: number; maxAliases: number; maxDirectives: number; maxCost: number; suggestions: boolean };
  /** Milliseconds: to receive a request's headers, its whole body, and of silence on a socket (idle), between requests (keep-alive). */
  httpTimeouts: { headersMs: number; requestMs: number; idleMs: number; keepAliveMs: number };
  /** Per API key, or per client address when anonymous: a bucket of points (requested cost) that refills, and caps on queued analyses and uploads at once. */
  rateLimits: {
    enabled: boolean;
    bucketPoints: number;
    refillPerSecond: number;
    maxPendingAnalyses: number;
    maxConcurrentUploads: number;
    /** Proxies in front whose X-Forwarded-For gives the client address. */
    trustProxyHops: number;
  };
  tagger: {
    mode: TaggerMode;
    timeoutMs: number;
    openai: {
      apiKey: string | undefined;
      baseUrl: string | undefined;
      model: string;
      timeoutMs: number;
      maxRetries: number;
      imageDetail: "low" | "high" | "auto";
    };
    local: { workers: number; preload: boolean; ocr: boolean; ocrBudgetMs: number; ocrMaxRegions: number };
  };
}

export class ConfigError extends Error {}

/** An OpenAI-compatible endpoint is configured when there is a key or a base URL. */
function defaultTaggerMode(env: z.infer<typeof envSchema>): TaggerMode {
  return env.OPENAI_API_KEY || env.OPENAI_BASE_URL ? "openai" : "local";
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  if (env.STORAGE === "s3" && !env.S3_BUCKET) throw new ConfigError("Invalid configuration: STORAGE=s3 needs S3_BUCKET");
  if (env.PHOTO_URLS === "presigned" && env.STORAGE !== "s3") {
    throw new ConfigError("Invalid configuration: PHOTO_URLS=presigned needs STORAGE=s3 (local storage has no presigned URLs)");
  }
  if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError("Invalid configuration: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither");
  }
  const rateLimited = env.RATE_LIMIT ?? env.NODE_ENV === "production";
  // A bucket smaller than one operation's maximum would refuse that operation forever.
  if (rateLimited && !env.GRAPHQL_LIMITS) {
    throw new ConfigError("Invalid configuration: RATE_LIMIT needs GRAPHQL_LIMITS (the rate limits count the cost the limits compute); set RATE_LIMIT=false too");
  }
  if (rateLimited && env.RATE_LIMIT_POINTS < env.GRAPHQL_MAX_COST) {
    throw new ConfigError(`Invalid configuration: RATE_LIMIT_POINTS (${env.RATE_LIMIT_POINTS}) must be at least GRAPHQL_MAX_COST (${env.GRAPHQL_MAX_COST})`);
  }
  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ""),
      graphiql: env.GRAPHIQL ?? env.NODE_ENV !== "production",
      introspection: env.INTROSPECTION ?? env.NODE_ENV !== "production",
      workerMetricsPort: env.WORKER_METRICS_PORT,
    },
    logLevel: env.LOG_LEVEL,
    // Unset in production: "required" here, and startApp refuses to serve until AUTH is set (auth/auth-setting.ts).
    auth: { mode: env.AUTH ?? (env.NODE_ENV === "production" ? "required" : "off"), explicit: env.AUTH !== undefined },
    trustedDocuments: env.TRUSTED_DOCUMENTS,
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      requestStatementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      rankings: { slots: env.SEARCH_CONCURRENCY ?? defaultRankingSlots(env.DATABASE_POOL_MAX), maxWaitMs: env.SEARCH_QUEUE_TIMEOUT_MS },
      embedded: { dataDir: path.resolve(cwd, env.EMBEDDED_PG_DIR), port: env.EMBEDDED_PG_PORT },
      embeddedRestart: { tries: env.EMBEDDED_PG_RESTART_TRIES, backoffMs: env.EMBEDDED_PG_RESTART_BACKOFF_MS },
    },
    storage: {
      kind: env.STORAGE,
      s3:
        env.STORAGE === "s3"
          ? {
              bucket: env.S3_BUCKET!,
              prefix: env.S3_PREFIX,
              endpoint: env.S3_ENDPOINT ?? null,
              region: env.S3_REGION,
              accessKeyId: env.S3_ACCESS_KEY_ID ?? null,
              secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? null,
              forcePathStyle: env.S3_FORCE_PATH_STYLE,
              timeoutMs: env.S3_TIMEOUT_MS,
            }
          : null,
      photoUrls: env.PHOTO_URLS,
      photoUrlTtlSeconds: env.PHOTO_URL_TTL_SECONDS,
      sweepIntervalSeconds: env.PHOTO_SWEEP_INTERVAL_SECONDS,
      sweepGraceSeconds: env.PHOTO_SWEEP_GRACE_SECONDS,
    },
    media: {
      uploadsDir: path.resolve(cwd, env.UPLOADS_DIR),
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxImagePixels: env.MAX_IMAGE_PIXELS,
      nearDuplicateMaxDistance: env.NEAR_DUPLICATE_MAX_DISTANCE,
    },
    importFetch: {
      timeoutMs: env.IMPORT_FETCH_TIMEOUT_MS,
      maxRedirects: env.IMPORT_FETCH_MAX_REDIRECTS,
      allowHosts: env.IMPORT_FETCH_ALLOW_HOSTS,
      concurrency: env.IMPORT_CONCURRENCY,
      maxPendingItems: env.IMPORT_MAX_PENDING_ITEMS,
    },
    jobs: {
      runWorker: env.RUN_WORKER,
      concurrency: env.WORKER_CONCURRENCY,
      retryLimit: env.ANALYSIS_RETRY_LIMIT,
      retryDelaySeconds: env.ANALYSIS_RETRY_DELAY_SECONDS,
      // A job still active past the tagger's own deadline, and its wait for a panel thread, has lost its worker.
      expireInSeconds: env.ANALYSIS_JOB_EXPIRE_SECONDS ?? Math.ceil(analysisTimeBoundMs(env.TAGGER_TIMEOUT_MS) / 1000) + 30,
      maintenanceIntervalSeconds: env.JOB_MAINTENANCE_SECONDS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    wsInitTimeoutMs: env.WS_INIT_TIMEOUT_MS,
    visualIndex: {
      ...DEFAULT_VISUAL_INDEX,
      enabled: env.VISUAL_SEARCH,
      minVectors: env.VISUAL_INDEX_MIN_PHOTOS,
      vectorsPerList: env.VISUAL_INDEX_PHOTOS_PER_LIST,
      probes: env.VISUAL_SEARCH_PROBES,
    },
    responseCache: responseCacheSettings(env),
    queryLimits: {
      enabled: env.GRAPHQL_LIMITS,
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
      maxCost: env.GRAPHQL_MAX_COST,
      suggestions: env.GRAPHQL_SUGGESTIONS ?? env.NODE_ENV !== "production",
    },
    httpTimeouts: {
      headersMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: env.HTTP_REQUEST_TIMEOUT_MS,
      idleMs: env.HTTP_IDLE_TIMEOUT_MS,
      keepAliveMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    rateLimits: {
      enabled: rateLimited,
      bucketPoints: env.RATE_LIMIT_POINTS,
      refillPerSecond: env.RATE_LIMIT_REFILL_PER_SECOND,
      maxPendingAnalyses: env.RATE_LIMIT_MAX_PENDING_ANALYSES,
      maxConcurrentUploads: env.RATE_LIMIT_MAX_CONCURRENT_UPLOADS,
      trustProxyHops: env.TRUST_PROXY_HOPS,
    },
    tagger: {
      mode: env.TAGGER ?? defaultTaggerMode(env),
      timeoutMs: env.TAGGER_TIMEOUT_MS,
      openai: {
        apiKey: env.OPENAI_API_KEY,
        baseUrl: env.OPENAI_BASE_URL,
        model: env.OPENAI_MODEL,
        timeoutMs: env.OPENAI_TIMEOUT_MS,
        maxRetries: env.OPENAI_MAX_RETRIES,
        imageDetail: env.OPENAI_IMAGE_DETAIL,
      },
      local: {
        workers: env.LOCAL_TAGGER_WORKERS,
        preload: env.LOCAL_TAGGER_PRELOAD,
        ocr: env.LOCAL_TAGGER_OCR,
        ocrBudgetMs: env.LOCAL_TAGGER_OCR_BUDGET_MS,
        ocrMaxRegions: env.LOCAL_TAGGER_OCR_MAX_REGIONS,
      },
    },
  };
}

/**
 * A presigned photo URL in a cached answer is as old as the answer: answers
 * are kept at most a quarter of the URLs' lifetime, so a client always gets
 * one with three quarters of it left (too short a lifetime: no cache).
 */
function responseCacheSettings(env: { RESPONSE_CACHE: boolean; RESPONSE_CACHE_TTL_SECONDS: number; RESPONSE_CACHE_MAX_MB: number; PHOTO_URLS: PhotoUrlMode; PHOTO_URL_TTL_SECONDS: number }): Config["responseCache"] {
  if (!env.RESPONSE_CACHE) return null;
  const ttlSeconds = env.PHOTO_URLS === "presigned" ? Math.min(env.RESPONSE_CACHE_TTL_SECONDS, Math.floor(env.PHOTO_URL_TTL_SECONDS / 4)) : env.RESPONSE_CACHE_TTL_SECONDS;
  return ttlSeconds >= 1 ? { ttlSeconds, maxBytes: env.RESPONSE_CACHE_MAX_MB * 1024 * 1024 } : null;
}
