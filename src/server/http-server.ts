import { createServer } from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { GraphQLSchema } from "graphql";
import { graphqlUploadExpress } from "graphql-upload-minimal";
import type { RequestAuth } from "../auth/request-auth.js";
import type { ContextFactory, RequestContext } from "../graphql/context.js";
import { createErrorFormatter, type ErrorLogger } from "../graphql/format-error.js";
import { PHOTO_ROUTE } from "../media/storage/photo-urls.js";
import type { PhotoStorage } from "../media/storage/photo-storage.js";
import { photoRoute } from "./photo-route.js";
import { authenticateRequest, requestAuthOf } from "./auth/authenticate-request.js";
import { requireScopesPlugin } from "./auth/require-scopes-plugin.js";
import { drainUnreadUploads } from "./drain-uploads.js";
import { bodyIdleTimeout, httpServerTimeouts, type HttpTimeouts } from "./http-timeouts.js";
import { JSON_BODY_LIMIT_BYTES, jsonBodyErrors } from "./json-body-errors.js";
import { apolloQueryLimits, type CostBudget, type QueryLimits } from "./limits/query-limits.js";
import { createGraphiqlRouter } from "./graphiql/graphiql-router.js";
import { startSubscriptionsServer } from "./subscriptions-server.js";
import { persistedDocumentsMiddleware, type TrustedDocumentsOptions } from "./trusted-documents/persisted-documents-middleware.js";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ReadinessReport } from "../observability/readiness.js";
import { graphqlMetricsPlugin, type AnsweredOperation } from "./observability/graphql-metrics-plugin.js";
import { observabilityRoutes } from "./observability/observability-routes.js";
import { recordOperation, requestLog } from "./observability/request-log.js";
import { observeSubscriptions } from "./observability/subscription-metrics.js";
import { listen } from "./listen.js";
import { responseCachePlugins, type ResponseCacheOptions } from "./response-cache/response-cache-plugins.js";

export interface HttpServerOptions {
  schema: GraphQLSchema;
  context: ContextFactory;
  /** Verifies an API key (src/auth/); undefined when the request carries none. */
  authenticate: (token: string | undefined, options?: { fresh?: boolean }) => Promise<RequestAuth>;
  /** Where Photo.url (PHOTO_URLS=app) points: photos are streamed from it. */
  photoStorage: PhotoStorage;
  maxUploadBytes: number;
  introspection: boolean;
  wsInitTimeoutMs: number;
  /** GraphiQL for browsers at GET /graphql. */
  graphiql: boolean;
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  /** GET /health/ready: database, migrations, models (observability/readiness.ts). */
  readiness: () => Promise<ReadinessReport>;
  /** The app's one metrics registry, served at /metrics; the server adds its GraphQL and WebSocket series. */
  metrics: Registry;
  /** Operation names that always get their own metric series (the SDK's). */
  knownOperationNames: ReadonlySet<string>;
  logger: ErrorLogger;
  /** One line per HTTP request (pino-http); the app's logger, silent in tests. */
  requestLogger: Logger;
  /** Checked before any resolver runs (server/limits/); `suggestions`: graphql-js's "Did you mean …?" hints. */
  /** `enabled` false (GRAPHQL_LIMITS=off): none of them, and no extensions.cost. */
  queryLimits: QueryLimits & { enabled: boolean; suggestions: boolean };
  /** Where a rate limiter by cost plugs in (limits/cost-budget.ts); by default the per-request maximum alone. */
  costBudget?: CostBudget<RequestContext>;
  httpTimeouts: HttpTimeouts;
  /** Reverse proxies in front of the server whose X-Forwarded-For is believed (Express's "trust proxy"); 0: none, the socket's address counts. */
  trustProxyHops?: number;
  /** The persisted-document manifest and who is held to it (TRUSTED_DOCUMENTS); without it, hashes are left to Apollo's APQ. */
  trustedDocuments?: TrustedDocumentsOptions;
  /** Stack traces in error responses (development only). */
  stacktraces: boolean;
  /** Anonymous catalogue reads answered from memory until the catalogue changes (response-cache/); absent: none. */
  responseCache?: Omit<ResponseCacheOptions, "registry">;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then closes. */
  stop(): Promise<void>;
}

const GRAPHQL_PATH = "/graphql";

/** What Apollo's cache-control plugin sent: no answer over HTTP is for a CDN or a browser to keep (a write could not reach it). */
const noStorePlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set("cache-control", "no-store");
      },
    };
  },
};

export async function startHttpServer(options: HttpServerOptions, host: string, port: number): Promise<RunningHttpServer> {
  const app = express();
  app.disable("x-powered-by");
  // Express would hash every response body into an ETag. GraphQL answers are no-store; photos set their own.
  app.set("etag", false);
  // req.ip is the client address that anonymous requests are rate-limited by.
  if (options.trustProxyHops) app.set("trust proxy", options.trustProxyHops);
  const httpServer = createServer(httpServerTimeouts(options.httpTimeouts), app);
  const formatError = createErrorFormatter(options.logger, { suggestions: options.queryLimits.suggestions });
  const limits = options.queryLimits.enabled
    ? apolloQueryLimits<RequestContext>({ schema: options.schema, limits: options.queryLimits, formatError, budget: options.costBudget })
    : null;
  const subscriptions = startSubscriptionsServer({
    httpServer,
    path: GRAPHQL_PATH,
    schema: options.schema,
    context: options.context,
    formatError,
    initTimeoutMs: options.wsInitTimeoutMs,
    authenticate: options.authenticate,
    trustedDocuments: options.trustedDocuments,
    limits: options.queryLimits.enabled ? options.queryLimits : null,
  });
  observeSubscriptions(options.metrics, subscriptions.stats);
  // The GraphQL plugin sees the context, the request log the response: joined here, per request.
  const responses = new WeakMap<RequestContext, express.Response>();
  const metrics = graphqlMetricsPlugin<RequestContext>({
    registry: options.metrics,
    knownOperationNames: options.knownOperationNames,
    onAnswered: (context, operation: AnsweredOperation) => {
      const res = responses.get(context);
      if (res) recordOperation(res, operation);
    },
  });
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: options.introspection,
    csrfPrevention: true, // uploads are multipart: clients must send apollo-require-preflight
    formatError,
    includeStacktraceInErrorResponses: options.stacktraces,
    parseOptions: limits?.parseOptions,
    validationRules: limits?.validationRules,
    plugins: [
      metrics, // first: it times the other plugins' work too
      ...(limits ? [limits.plugin] : []),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No field has a cache hint: the plugin's hook around every resolver would compute nothing (response-cache/ sets a whole policy).
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin,
      requireScopesPlugin(),
      // After the limits and the scopes: a cached answer is still refused what the request may not ask.
      ...(options.responseCache ? responseCachePlugins({ ...options.responseCache, registry: options.metrics }) : []),
      { serverWillStart: async () => ({ drainServer: () => subscriptions.close() }) },
    ],
  });
  await apollo.start();

  // First, so every response has its request id and every request its log line.
  app.use(requestLog(options.requestLogger));
  // Keys are random and content never changes under a key; only keys of intake's shape are served.
  app.use(PHOTO_ROUTE, photoRoute(options.photoStorage));
  app.use(observabilityRoutes({ health: options.health, readiness: options.readiness, registry: options.metrics }));
  if (options.graphiql) app.use(createGraphiqlRouter("/graphql"));
  app.use(
    GRAPHQL_PATH,
    bodyIdleTimeout(options.httpTimeouts.idleMs),
    express.json({ limit: JSON_BODY_LIMIT_BYTES }),
    jsonBodyErrors,
    // One byte over our own limit, so intake (which reports it clearly) sees the overflow first.
    graphqlUploadExpress({ maxFileSize: options.maxUploadBytes + 1, maxFiles: 4 }),
    drainUnreadUploads,
    authenticateRequest(options.authenticate),
    ...(options.trustedDocuments ? [persistedDocumentsMiddleware(options.trustedDocuments)] : []),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const context = await options.context({
          protocol: req.protocol,
          host: req.get("host"),
          auth: requestAuthOf(res),
          clientAddress: req.ip,
        });
        responses.set(context, res);
        return context;
      },
    }),
  );

  const bound = await listen(httpServer, host, port);
  return { ...bound, stop: () => apollo.stop() };
}

