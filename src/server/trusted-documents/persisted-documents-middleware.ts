import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { RequestAuth } from "../../auth/request-auth.js";
import { DomainError } from "../../errors.js";
import { PersistedDocumentNotFoundError, PersistedDocumentRequiredError } from "../../trusted-documents/errors.js";
import type { PersistedDocuments } from "../../trusted-documents/manifest.js";
import { resolvePersistedDocument, withPersistedQuery, type DocumentReference } from "../../trusted-documents/resolve-persisted-document.js";
import { mustSendPersistedDocument, type TrustedDocumentsMode } from "../../trusted-documents/trusted-documents-mode.js";

export interface TrustedDocumentsOptions {
  documents: PersistedDocuments;
  mode: TrustedDocumentsMode;
}

/**
 * Runs after the key is known (authenticate-request.ts) and the multipart
 * body is parsed (uploads are then still unread), before the GraphQL server
 * sees the request. A known hash becomes the manifest's text; a caller held
 * to persisted documents that sends text or an unknown hash is answered at
 * once: nothing is parsed or run, and drain-uploads.ts reads its files to
 * nowhere. GET requests of such a caller are refused too: Apollo reads a
 * GET's query from the URL, where it cannot be swapped.
 */
export function persistedDocumentsMiddleware({ documents, mode }: TrustedDocumentsOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const auth = res.locals.auth as RequestAuth | undefined;
    if (!auth) return next(); // authentication itself failed: the context reports it
    const required = mustSendPersistedDocument(mode, auth);
    const body: unknown = req.body;
    try {
      if (req.method !== "POST" || !isObject(body)) {
        if (required) throw new PersistedDocumentRequiredError("This API key may run only persisted documents, sent by POST with extensions.persistedQuery.sha256Hash or documentId.");
        return next();
      }
      const resolution = resolvePersistedDocument(body, documents, required);
      if (resolution.kind === "persisted") req.body = withPersistedQuery(body, resolution.query);
      next();
    } catch (error) {
      if (!(error instanceof PersistedDocumentRequiredError || error instanceof PersistedDocumentNotFoundError)) return next(error);
      refuse(res, error);
    }
  };
}

function refuse(res: Response, error: DomainError): void {
  // 403: this caller may not send query text; 400: the hash names no document.
  const status = error instanceof PersistedDocumentRequiredError ? 403 : 400;
  res.status(status).json({ errors: [{ message: error.message, extensions: { ...error.details, code: error.code } }] });
}

const isObject = (value: unknown): value is DocumentReference & Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
