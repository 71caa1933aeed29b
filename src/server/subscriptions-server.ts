import type { Server } from "node:http";
import type { GraphQLSchema } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { RequestAuth } from "../auth/request-auth.js";
import type { RequestContext, RequestOrigin } from "../graphql/context.js";
import type { GraphQLErrorFormatter } from "../graphql/format-error.js";
import { subscriptionsAuth } from "./auth/subscriptions-auth.js";

/**
 * GraphQL subscriptions over graphql-ws, on the same port and path as HTTP
 * GraphQL. Errors are formatted as for HTTP, so codes are the same.
 */
export function startSubscriptionsServer(options: {
  httpServer: Server;
  path: string;
  schema: GraphQLSchema;
  context: (origin: RequestOrigin) => Promise<RequestContext>;
  formatError: GraphQLErrorFormatter;
  initTimeoutMs: number;
  authenticate: (token: string | undefined) => Promise<RequestAuth>;
}): { close(): Promise<void> } {
  const wsServer = new WebSocketServer({ server: options.httpServer, path: options.path });
  const auth = subscriptionsAuth(options.schema, options.authenticate);
  const cleanup = useServer(
    {
      schema: options.schema,
      connectionInitWaitTimeout: options.initTimeoutMs,
      onConnect: auth.onConnect,
      onSubscribe: auth.onSubscribe,
      context: (ctx) => options.context({ protocol: "http", host: ctx.extra.request.headers.host, auth: auth.authOf(ctx) }),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => options.formatError(error.toJSON(), error)) } : undefined,
    },
    wsServer,
  );
  return {
    close: async () => {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
