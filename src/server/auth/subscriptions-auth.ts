import { GraphQLError, type GraphQLSchema, getOperationAST, parse } from "graphql";
import type { Context } from "graphql-ws";
import type { Extra } from "graphql-ws/use/ws";
import { authorize, bearerToken, type RequestAuth } from "../../auth/request-auth.js";
import { scopeRequirements } from "../../graphql/auth/requires-scope.js";
import { toRefusal } from "./refusal.js";
import type { TrustedDocumentsOptions } from "../trusted-documents/persisted-documents-middleware.js";
import { subscribePersistedDocuments } from "../trusted-documents/subscribe-persisted-documents.js";

/** Close codes of a refused connection_init, after HTTP's 401 and 403. */
export const WS_UNAUTHORIZED = 4401;
export const WS_FORBIDDEN = 4403;

// Bounds our own parse of a subscribe message, which runs before the limits of validation do.
const MAX_TOKENS = 10_000;

type WsContext = Context<Record<string, unknown> | undefined, Extra>;

/**
 * graphql-ws takes the key in connection_init's payload: { apiKey: "lk_…" }
 * or { authorization: "Bearer lk_…" }, as HTTP sends it.
 * - connection_init: a missing, malformed, unknown or revoked key closes the
 *   socket with 4401 (when AUTH=required, or whenever a bad key is sent); a
 *   key without the read scope that subscriptions need, with 4403.
 * - every subscribe: the key is verified again (a key revoked meanwhile
 *   starts nothing new) and checked against the operation's scopes, as over HTTP.
 * - with `trustedDocuments`, a persisted-document hash is resolved first, and
 *   a key held to persisted documents sends nothing else.
 */
export function subscriptionsAuth(
  schema: GraphQLSchema,
  authenticate: (token: string | undefined, options?: { fresh?: boolean }) => Promise<RequestAuth>,
  trustedDocuments?: TrustedDocumentsOptions,
) {
  const persisted = trustedDocuments ? subscribePersistedDocuments(trustedDocuments) : () => undefined;
  const current = new WeakMap<WsContext, RequestAuth>();
  const verify = async (ctx: WsContext) => {
    // Read afresh: a subscription lives long, and a key revoked meanwhile must start nothing new.
    const auth = await authenticate(tokenOf(ctx.connectionParams), { fresh: true });
    current.set(ctx, auth);
    return auth;
  };
  return {
    onConnect: async (ctx: WsContext): Promise<boolean> => {
      const refusal = connectionRefusal(await verify(ctx));
      if (refusal) ctx.extra.socket.close(refusal.code, refusal.reason);
      return !refusal;
    },
    onSubscribe: async (ctx: WsContext, _id: string, payload: { query: string; operationName?: string | null; extensions?: unknown }): Promise<GraphQLError[] | undefined> => {
      const auth = await verify(ctx);
      const refused = persisted(auth, payload);
      if (refused) return refused;
      let document;
      try {
        document = parse(payload.query, { maxTokens: MAX_TOKENS });
      } catch (error) {
        // Refused here rather than left to graphql-ws: what is not checked must not run.
        return [error instanceof GraphQLError ? error : new GraphQLError("The operation cannot be parsed.")];
      }
      const operation = getOperationAST(document, payload.operationName ?? undefined);
      if (!operation) return undefined; // graphql-ws refuses it in validation, and runs nothing
      try {
        authorize(auth, scopeRequirements(schema, document, operation));
        return undefined;
      } catch (error) {
        const refusal = toRefusal(error);
        if (!refusal) throw error;
        const { http: _http, ...extensions } = refusal.extensions;
        return [new GraphQLError(refusal.message, { extensions })];
      }
    },
    /** The auth of the connection's latest subscribe, for its context. */
    authOf: (ctx: WsContext): RequestAuth => current.get(ctx)!,
  };
}

function connectionRefusal(auth: RequestAuth): { code: number; reason: string } | null {
  if (auth.problem) return { code: WS_UNAUTHORIZED, reason: `Unauthorized: the API key is ${auth.problem}` };
  if (auth.mode !== "required") return null;
  if (!auth.key) return { code: WS_UNAUTHORIZED, reason: "Unauthorized: send { apiKey } in connection_init" };
  if (!auth.key.scopes.includes("read")) return { code: WS_FORBIDDEN, reason: 'Forbidden: subscriptions need the "read" scope' };
  return null;
}

function tokenOf(params: Record<string, unknown> | undefined): string | undefined {
  const apiKey = params?.apiKey;
  if (apiKey !== undefined && apiKey !== null) return typeof apiKey === "string" ? apiKey : "";
  const header = params?.authorization ?? params?.Authorization;
  if (header === undefined || header === null) return undefined;
  return typeof header === "string" ? bearerToken(header) : "";
}
