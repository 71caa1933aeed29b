import type { ServerOptions } from "node:http";
import type { NextFunction, Request, Response } from "express";

/** Milliseconds (config.ts, HTTP_*_TIMEOUT_MS). */
export interface HttpTimeouts {
  /** To receive a request's headers. */
  headersMs: number;
  /** To receive a whole request, body included: a client that dribbles an upload byte by byte gets 408. */
  requestMs: number;
  /** Of silence while a request's body arrives: a client that stops sending is cut off. */
  idleMs: number;
  /** Between two requests on a kept-alive connection. */
  keepAliveMs: number;
}

/**
 * Node's own limits for headers, whole requests and kept-alive connections.
 * Node checks the first two on a timer (every 30 s by default); once a
 * second keeps a short limit close to what it says. WebSockets are not
 * affected: an upgraded connection leaves the HTTP parser behind.
 */
export function httpServerTimeouts(timeouts: HttpTimeouts): ServerOptions {
  return {
    // Node refuses a headers timeout longer than the request timeout.
    headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
  };
}

/**
 * The idle timeout holds only while the body arrives. Once it is in, the
 * socket may stay silent while the operation runs (an image analysis takes
 * as long as TAGGER_TIMEOUT_MS), so the timeout is lifted.
 */
export function bodyIdleTimeout(idleMs: number) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const socket = req.socket;
    if (!req.complete) {
      socket.setTimeout(idleMs); // Node's server destroys a socket that times out
      // Only once the body is all in: a response sent early (a refusal) leaves the rest of the body still to come.
      req.once("end", () => socket.setTimeout(0));
    }
    next();
  };
}
