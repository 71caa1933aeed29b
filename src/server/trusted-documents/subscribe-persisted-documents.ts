import { GraphQLError } from "graphql";
import type { RequestAuth } from "../../auth/request-auth.js";
import { PersistedDocumentNotFoundError, PersistedDocumentRequiredError } from "../../trusted-documents/errors.js";
import { resolvePersistedDocument } from "../../trusted-documents/resolve-persisted-document.js";
import { mustSendPersistedDocument } from "../../trusted-documents/trusted-documents-mode.js";
import type { TrustedDocumentsOptions } from "./persisted-documents-middleware.js";

/**
 * The same rule for a graphql-ws subscribe: a known hash in
 * payload.extensions.persistedQuery (graphql-ws wants a `query` string: send
 * "") puts the manifest's text in payload.query before anything parses it; a
 * caller held to persisted documents that sends text or an unknown hash gets
 * the coded error and the subscription never starts.
 */
export function subscribePersistedDocuments({ documents, mode }: TrustedDocumentsOptions) {
  return (auth: RequestAuth | undefined, payload: { query: string; extensions?: unknown }): GraphQLError[] | undefined => {
    const required = auth ? mustSendPersistedDocument(mode, auth) : mode === "all";
    try {
      const resolution = resolvePersistedDocument(payload, documents, required);
      if (resolution.kind === "persisted") {
        payload.query = resolution.query;
        if (payload.extensions && typeof payload.extensions === "object") delete (payload.extensions as Record<string, unknown>).persistedQuery;
      }
      return undefined;
    } catch (error) {
      if (!(error instanceof PersistedDocumentRequiredError || error instanceof PersistedDocumentNotFoundError)) throw error;
      return [new GraphQLError(error.message, { extensions: { ...error.details, code: error.code } })];
    }
  };
}
