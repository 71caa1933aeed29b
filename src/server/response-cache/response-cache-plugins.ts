import type { ApolloServerPlugin, GraphQLRequestContext } from "@apollo/server";
import responseCachePlugin from "@apollo/server-plugin-response-cache";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import { Counter, type Registry } from "prom-client";
import type { RequestContext } from "../../graphql/context.js";
import { isCacheableQuery } from "./cacheable-operation.js";

export interface ResponseCacheOptions {
  /** How long an answer is kept at most; any catalogue write drops it sooner. */
  ttlSeconds: number;
  maxBytes: number;
  /** Part of every key: moving it drops every cached answer (catalogue-generation.ts). */
  generation: { current(): number | null; advance(): void };
  registry: Registry;
}

/**
 * Apollo's response cache for anonymous catalogue reads. Which operations
 * are cached is cacheable-operation.ts's list, and only for requests without
 * an API key: a keyed answer might one day differ by key, and an anonymous
 * one cannot. Such an answer's cache policy is set whole, `ttlSeconds` and
 * public, before execution: Apollo's cache-control plugin, which would
 * compute it field by field (a hook around every resolver), is off
 * (http-server.ts), since no field has a hint of its own. No Cache-Control
 * header says so: a CDN or browser could not be told of a catalogue write,
 * this cache is. Without a sessionId hook every answer is one shared entry.
 * The key holds the public URL the request's links are built from
 * (Photo.url), and the generation read before execution, so an answer
 * computed across a write is filed under the old generation and never served.
 *
 * A hit still passes the limits and the rate limiter (they run before it)
 * and gets its extensions.cost. Errors are never cached, and nothing is
 * while the event bus is down (its writes would go unheard).
 */
export function responseCachePlugins(options: ResponseCacheOptions): ApolloServerPlugin<RequestContext>[] {
  const requests = new Counter({
    name: "lookalike_graphql_response_cache_requests_total",
    help: "Cacheable GraphQL reads (anonymous queries of catalogue fields) by result: hit (answered from the response cache) or miss (executed, then cached unless it had errors).",
    labelNames: ["result"] as const,
    registers: [options.registry],
  });
  const cacheable = (request: GraphQLRequestContext<RequestContext>) =>
    request.contextValue.auth.key === null && !!request.document && !!request.operation && isCacheableQuery(request.document, request.operation);
  // Read before execution (extraCacheKeyData), and again before writing: an answer computed while the bus went down is not kept.
  const generationKnown = () => options.generation.current() !== null;
  return [
    responseCachePlugin<RequestContext>({
      cache: new InMemoryLRUCache({ maxSize: options.maxBytes }),
      extraCacheKeyData: async ({ contextValue }) => ({ generation: options.generation.current(), publicUrl: contextValue.publicUrl }),
      shouldReadFromCache: async (request) => cacheable(request) && generationKnown(),
      shouldWriteToCache: async (request) => cacheable(request) && generationKnown(),
    }),
    {
      async requestDidStart() {
        return {
          async didResolveOperation(request) {
            if (cacheable(request)) request.overallCachePolicy.replace({ maxAge: options.ttlSeconds, scope: "PUBLIC" });
          },
          async willSendResponse(request) {
            if (request.operation?.operation === "mutation") options.generation.advance();
            else if (cacheable(request)) requests.inc({ result: request.metrics.responseCacheHit ? "hit" : "miss" });
          },
        };
      },
    },
  ];
}
