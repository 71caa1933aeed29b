import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import type { AnsweredOperation } from "./graphql-metrics-plugin.js";

export const REQUEST_ID_HEADER = "x-request-id";

/** An id a proxy or client sent is kept when it is short and made of characters safe in a log line and a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request's id: the incoming x-request-id when safe, else a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === "string" && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Where the GraphQL plugin leaves what the request ran, for its log line. */
export function recordOperation(res: Response, operation: AnsweredOperation): void {
  res.locals.graphqlOperation = operation;
}

/** Paths polled by machines every few seconds: logged at debug only, or they would drown the rest. */
const PROBES = /^\/(metrics|health)(\/|$)/;

function withOperation(res: ServerResponse, line: Record<string, unknown>): Record<string, unknown> {
  const operation = (res as ServerResponse & { locals?: Record<string, unknown> }).locals?.graphqlOperation;
  return operation ? { ...line, graphql: operation } : line;
}

/**
 * One log line per HTTP request when it ends (pino-http), with its id (also
 * sent back as the x-request-id header), status, duration (responseTime, ms)
 * and, for GraphQL, the operation's name, type and outcome. Headers are left
 * out: they carry API keys. So is the query string: a GET's carries the
 * operation and its variables.
 */
export function requestLog(logger: Logger): RequestHandler {
  const middleware = pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return "error";
      // Express rewrites req.url inside mounted routes; originalUrl is what the client asked for.
      if (PROBES.test((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "")) return "debug";
      return res.statusCode >= 400 ? "warn" : "info";
    },
    // The operation joins the line's own object: pino-http's customProps would make a child logger per request for it.
    customSuccessObject: (_req, res, line) => withOperation(res, line),
    customErrorObject: (_req, res, _error, line) => withOperation(res, line),
    // Our serializers read the raw request and response: pino's wrappers would first copy every header, per request.
    wrapSerializers: false,
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split("?")[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
  return (req, res, next) => middleware(req, res, next);
}
