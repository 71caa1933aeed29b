import { createHash } from "node:crypto";
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext, type GraphQLResponse } from "@apollo/server";
import type { FormattedExecutionResult } from "graphql";
import responseCachePlugin from "@apollo/server-plugin-response-cache";
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import { Counter, Gauge, type Registry } from "prom-client";
import type { RequestContext } from "../../graphql/context.js";
import { isCacheableQuery } from "./cacheable-operation.js";
import { SharedFlights } from "./shared-flights.js";
import { SEARCH_BUSY } from "../../search/ranking-gate.js";

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
 * A miss asked again while it runs is not run again: the identical request
 * (the same cache key: document, variables, generation and URL) waits for
 * the first one's answer and is sent it ("shared"). Without that,
 * a popular search that has just expired is run by every client that asks
 * for it in the next second. A first answer with errors is not shared (each
 * waiting request then runs its own), except a refusal for load: see
 * sharedAnswer.
 *
 * A hit (or a shared answer) still passes the limits and the rate limiter
 * (they run before it) and gets its extensions.cost. Errors are never
 * cached, and nothing is while the event bus is down (its writes would go
 * unheard).
 */
export function responseCachePlugins(options: ResponseCacheOptions): ApolloServerPlugin<RequestContext>[] {
  const requests = new Counter({
    name: "lookalike_graphql_response_cache_requests_total",
    help: "Cacheable GraphQL reads (anonymous queries of catalogue fields) by result: hit (answered from the response cache), shared (answered by an identical request's execution that was running) or miss (executed, then cached unless it had errors).",
    labelNames: ["result"] as const,
    registers: [options.registry],
  });
  const waiting = new Gauge({
    name: "lookalike_graphql_response_cache_waiting",
    help: "Cacheable GraphQL reads waiting for an identical request's execution that is running, to be sent its answer.",
    registers: [options.registry],
  });
  const cacheable = (request: GraphQLRequestContext<RequestContext>) =>
    request.contextValue.auth.key === null && !!request.document && !!request.operation && isCacheableQuery(request.document, request.operation);
  // Answers being computed, by cache key: the first request's answer, shared read-only with identical requests.
  const flights = new SharedFlights<FormattedExecutionResult>();
  // The key the cache looked each request up by (none: the cache was not asked).
  const cacheKeys = new WeakMap<object, string>();
  // Read before execution (extraCacheKeyData), and again before writing: an answer computed while the bus went down is not kept.
  const generationKnown = () => options.generation.current() !== null;
  return [
    responseCachePlugin<RequestContext>({
      cache: new InMemoryLRUCache({ maxSize: options.maxBytes }),
      extraCacheKeyData: async ({ contextValue }) => ({ generation: options.generation.current(), publicUrl: contextValue.publicUrl }),
      // The plugin's own key (a hash of the key data), kept for the request.
      generateCacheKey: (request, keyData) => {
        const key = createHash("sha256").update(JSON.stringify(keyData)).digest("hex");
        cacheKeys.set(request, key);
        return key;
      },
      shouldReadFromCache: async (request) => cacheable(request) && generationKnown(),
      shouldWriteToCache: async (request) => cacheable(request) && generationKnown(),
    }),
    {
      async requestDidStart() {
        // The key this request leads, and whether it was sent another's answer.
        let leading: string | null = null;
        let shared = false;
        return {
          async didResolveOperation(request) {
            if (cacheable(request)) request.overallCachePolicy.replace({ maxAge: options.ttlSeconds, scope: "PUBLIC" });
          },
          // After the cache's own hook (it comes first in this list): only a miss gets here.
          async responseForOperation(request) {
            const key = cacheKeys.get(request);
            if (key === undefined) return null;
            const running = flights.join(key);
            if (running === null) {
              leading = key;
              return null;
            }
            waiting.inc();
            const answer = await running.finally(() => waiting.dec());
            if (answer === null) return null;
            shared = true;
            // As for a hit: the cache plugin does not store again what the first request stores.
            request.metrics.responseCacheHit = true;
            // A result of its own: later plugins add to it (extensions.cost).
            return { body: { kind: "single", singleResult: { ...answer } }, http: { status: undefined, headers: new HeaderMap() } };
          },
          async willSendResponse(request) {
            if (leading !== null) flights.settle(leading, sharedAnswer(request.response.body));
            if (request.operation?.operation === "mutation") options.generation.advance();
            else if (cacheable(request)) requests.inc({ result: shared ? "shared" : request.metrics.responseCacheHit ? "hit" : "miss" });
          },
        };
      },
    },
  ];
}

/**
 * What the identical requests waiting for this answer are sent (null: each
 * runs its own). Data without errors; or SEARCH_BUSY, a refusal for load:
 * they would wait their own turn in the same full line, one timeout more,
 * and most likely be refused too. Other errors may be this request's alone
 * (a statement cancelled, a connection lost).
 */
function sharedAnswer(body: GraphQLResponse["body"]): FormattedExecutionResult | null {
  if (body.kind !== "single") return null;
  const { data, errors } = body.singleResult;
  if (!errors) return data ? { data } : null;
  return errors.every((error) => error.extensions?.code === SEARCH_BUSY) ? { data, errors } : null;
}
