import type { ErrorRequestHandler } from "express";

/** The JSON body parser's limit: room for an import of 1,000 items of ordinary length, passed as variables. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The JSON body parser's refusals, as GraphQL clients read errors: a body
 * over the limit (413, REQUEST_TOO_LARGE) or that is not JSON (400,
 * BAD_REQUEST), instead of express's HTML page. Anything else goes on.
 */
export const jsonBodyErrors: ErrorRequestHandler = (error: { type?: unknown; status?: unknown } | null, _req, res, next) => {
  if (error?.type === "entity.too.large") {
    res.status(413).json({
      errors: [{ message: `The request body is larger than ${JSON_BODY_LIMIT_BYTES} bytes; send fewer items per request.`, extensions: { code: "REQUEST_TOO_LARGE", maxBytes: JSON_BODY_LIMIT_BYTES } }],
    });
    return;
  }
  if (error?.type === "entity.parse.failed") {
    res.status(400).json({ errors: [{ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } }] });
    return;
  }
  next(error);
};
