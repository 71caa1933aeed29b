import type { NextFunction, Request, RequestHandler, Response } from "express";
import { authorize, bearerToken, type RequestAuth } from "../../auth/request-auth.js";
import { toRefusal } from "./refusal.js";

/**
 * Verifies the request's key once, before the GraphQL server parses
 * anything, and answers at once when no operation could run: credentials that
 * are malformed, unknown or revoked, or no key with AUTH=required. An
 * anonymous caller then learns nothing of the schema from validation errors
 * and costs no parsing; unread uploads are drained (drain-uploads.ts). The
 * per-field scopes are checked later (require-scopes-plugin.ts).
 */
export function authenticateRequest(authenticate: (token: string | undefined) => Promise<RequestAuth>): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    let auth: RequestAuth;
    try {
      auth = await authenticate(bearerToken(req.get("authorization")));
    } catch (error) {
      // Left to the GraphQL server's context, which reports it as it reports any other failure.
      res.locals.authFailure = error;
      return next();
    }
    res.locals.auth = auth;
    try {
      authorize(auth, []);
    } catch (error) {
      const refusal = toRefusal(error);
      if (!refusal) return next(error);
      const { http, ...extensions } = refusal.extensions as { http: { status: number; headers?: Map<string, string> } } & Record<string, unknown>;
      for (const [name, value] of http.headers ?? []) res.set(name, value);
      res.status(http.status).json({ errors: [{ message: refusal.message, extensions }] });
      return;
    }
    next();
  };
}

/** The auth the middleware above found, for the context of the request. */
export function requestAuthOf(res: Response): RequestAuth {
  if (res.locals.authFailure !== undefined) throw res.locals.authFailure;
  return res.locals.auth as RequestAuth;
}
