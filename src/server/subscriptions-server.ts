import type { Server } from "node:http";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { RequestAuth } from "../auth/request-auth.js";
import type { ContextFactory, RequestContext } from "../graphql/context.js";
import type { GraphQLErrorFormatter } from "../graphql/format-error.js";
import { subscribePerEvent } from "./per-event-subscribe.js";
import { subscriptionsAuth } from "./auth/subscriptions-auth.js";
import type { TrustedDocumentsOptions } from "./trusted-documents/persisted-documents-middleware.js";
import { subscriptionLimits } from "./limits/subscription-limits.js";
import type { QueryLimits } from "./limits/query-too-complex.js";

export interface SubscriptionStats {
  /** Open WebSockets on the GraphQL path, initialised or not. */
  connections: number;
  /** Subscriptions running on them. */
  subscriptions: number;
}

/**
 * GraphQL subscriptions over graphql-ws, on the same port and path as HTTP
 * GraphQL. Errors are formatted as for HTTP, so codes are the same; a
 * subscribe is checked for its key's scopes, then against the query limits.
 */
export function startSubscriptionsServer(options: {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  /** A subscription's own context (light: no data is read through it), and each event's (see ContextFactory.forEvent). */
  context: ContextFactory;
  formatError: GraphQLErrorFormatter;
  initTimeoutMs: number;
  authenticate: (token: string | undefined, options?: { fresh?: boolean }) => Promise<RequestAuth>;
  /** Persisted documents (trusted-documents/): hashes resolved, and required of the keys held to them. */
  trustedDocuments?: TrustedDocumentsOptions;
  /** null: no limits (GRAPHQL_LIMITS=off). */
  limits: QueryLimits | null;
}): { close(): Promise<void>; stats(): SubscriptionStats } {
  const wsServer = new WebSocketServer({ server: options.httpServer, path: options.path });
  const auth = subscriptionsAuth(options.schema, options.authenticate, options.trustedDocuments);
  const overLimits = options.limits ? subscriptionLimits(options.schema, options.limits) : () => undefined;
  // graphql-ws sends errors returned by onSubscribe as they are: formatted here, as HTTP's are.
  const formatted = (error: GraphQLError) => {
    const { message, extensions } = options.formatError(error.toJSON(), error);
    return new GraphQLError(message, { extensions });
  };
  // Acknowledged connections, so /metrics can count their live subscriptions when it is scraped.
  const connections = new Set<{ readonly subscriptions: Readonly<Record<string, unknown>> }>();
  const cleanup = useServer(
    {
      schema: options.schema,
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: async (ctx) => {
        const accepted = await auth.onConnect(ctx);
        if (accepted !== false) connections.add(ctx);
        return accepted;
      },
      onClose: (ctx) => void connections.delete(ctx),
      onSubscribe: async (ctx, id, payload) => (await auth.onSubscribe(ctx, id, payload)) ?? overLimits(payload)?.map(formatted),
      subscribe: subscribePerEvent({
        forEvent: (subscription, event) => options.context.forEvent(subscription as RequestContext, event),
        shareKey: (subscription) => options.context.shareKey(subscription as RequestContext),
      }),
      context: (ctx) => options.context({ protocol: "http", host: ctx.extra.request.headers.host, auth: auth.authOf(ctx) }),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => options.formatError(error.toJSON(), error)) } : undefined,
    },
    wsServer,
  );
  return {
    stats: () => ({
      connections: wsServer.clients.size,
      // graphql-ws keeps a running subscription's iterator under its id (null while it is being set up).
      subscriptions: [...connections].reduce((sum, ctx) => sum + Object.values(ctx.subscriptions).filter((sub) => sub !== null).length, 0),
    }),
    close: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
