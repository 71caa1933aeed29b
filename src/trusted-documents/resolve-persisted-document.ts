import { PersistedDocumentNotFoundError, PersistedDocumentRequiredError } from "./errors.js";
import type { PersistedDocuments } from "./manifest.js";

/** The parts of a GraphQL request (HTTP body, or graphql-ws subscribe payload) that name its document. */
export interface DocumentReference {
  query?: unknown;
  /** GraphQL over HTTP's persisted documents: "sha256:<hex>" (or the bare hex). */
  documentId?: unknown;
  /** Apollo's shape: { persistedQuery: { version: 1, sha256Hash: "<hex>" } }. */
  extensions?: unknown;
}

export type Resolution =
  /** Run this text, the manifest's, in place of anything the request sent. */
  | { kind: "persisted"; hash: string; query: string }
  /** Not ours to decide: the query text, or a hash Apollo's automatic persisted queries may know. */
  | { kind: "unchanged" };

const SHA256_PREFIX = "sha256:";

/**
 * Which document a request runs. Throws PERSISTED_DOCUMENT_REQUIRED when
 * `required` and no hash was sent (query text is never run then, even text
 * equal to a manifest entry: the rule stays simple to state and to check),
 * and PERSISTED_DOCUMENT_NOT_FOUND for a hash the manifest does not hold,
 * when required or when sent as documentId (which nothing else reads).
 */
export function resolvePersistedDocument(request: DocumentReference, documents: PersistedDocuments, required: boolean): Resolution {
  const documentId = typeof request.documentId === "string" ? request.documentId : undefined;
  const hash = documentId !== undefined ? withoutPrefix(documentId) : apolloHash(request.extensions);
  if (hash === undefined) {
    if (!required) return { kind: "unchanged" };
    throw new PersistedDocumentRequiredError("This API key may run only persisted documents: send extensions.persistedQuery.sha256Hash (or documentId) instead of the query text.");
  }
  const query = documents.get(hash.toLowerCase());
  if (query !== undefined) return { kind: "persisted", hash: hash.toLowerCase(), query };
  if (!required && documentId === undefined) return { kind: "unchanged" };
  throw new PersistedDocumentNotFoundError("No persisted document has this hash: the client was built from operations this server does not know.", {
    hash: hash.slice(0, 80),
  });
}

const withoutPrefix = (id: string) => (id.startsWith(SHA256_PREFIX) ? id.slice(SHA256_PREFIX.length) : id);

function apolloHash(extensions: unknown): string | undefined {
  if (!extensions || typeof extensions !== "object") return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (!persisted || typeof persisted !== "object") return undefined;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === "string" ? hash : undefined;
}

/** The request to hand on once resolved: the manifest's text as `query`, and no hash left for Apollo's APQ cache to store. */
export function withPersistedQuery<T extends DocumentReference>(request: T, query: string): T {
  const { documentId: _documentId, extensions, ...rest } = request;
  const { persistedQuery: _persistedQuery, ...otherExtensions } = (extensions && typeof extensions === "object" ? extensions : {}) as Record<string, unknown>;
  return { ...rest, query, ...(Object.keys(otherExtensions).length > 0 ? { extensions: otherExtensions } : {}) } as T;
}
