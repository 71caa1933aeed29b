import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, Kind, type OperationDefinitionNode, OperationTypeNode, print } from "graphql";
import { LookalikeRequestError, type GraphQLErrorEntry } from "./errors.js";
import { extractFiles, multipartBody } from "./multipart.js";

export interface LookalikeClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /**
   * An API key (lk_…), sent as Authorization: Bearer <apiKey> with every
   * request. For subscriptions, give it to graphql-ws's createClient as
   * connectionParams: { apiKey }.
   */
  apiKey?: string;
  /** Sent with every request; an Authorization header here wins over apiKey. */
  headers?: Record<string, string>;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * Send each operation's persisted-document hash
   * (extensions.persistedQuery.sha256Hash) instead of its text: required of
   * keys created with trustedDocumentsOnly, and smaller requests for any key.
   * The server must know the hashes (src/sdk/generated/persisted-documents.json).
   */
  persistedDocuments?: boolean;
}

/** Variables may be left out when the operation needs none. */
type VariablesArgument<TVariables> = Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export interface LookalikeClient {
  /**
   * Runs one operation and returns its data, typed from the document. Files
   * (Blob or File) anywhere in the variables make it a multipart request.
   * Throws LookalikeRequestError when the response carries errors.
   * Queries and mutations only: subscriptions need graphql-ws.
   */
  request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: VariablesArgument<TVariables>
  ): Promise<TData>;
}

const printed = new WeakMap<DocumentNode, string>();
const printOnce = (document: DocumentNode) => printed.get(document) ?? printed.set(document, print(document)).get(document)!;

export function createLookalikeClient(options: LookalikeClientOptions): LookalikeClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const ownAuthorization = Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === "authorization");
  const authorization: Record<string, string> = options.apiKey && !ownAuthorization ? { authorization: `Bearer ${options.apiKey}` } : {};
  return {
    async request<TData, TVariables extends Record<string, unknown>>(
      document: TypedDocumentNode<TData, TVariables>,
      ...[variables]: VariablesArgument<TVariables>
    ): Promise<TData> {
      const operation = operationOf(document);
      if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
        throw new Error("subscriptions go over graphql-ws: pass print(document) to graphql-ws's client (see the README)");
      }
      const hash = options.persistedDocuments ? persistedHashOf(document) : undefined;
      // With a hash, no text: a key held to persisted documents is refused any.
      const sent = hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } } : { query: printOnce(document) };
      const operationName = operation?.name?.value;
      const extracted = extractFiles(variables ?? {});
      const headers: Record<string, string> = { accept: "application/graphql-response+json, application/json", ...authorization, ...options.headers };
      let body: string | FormData;
      if (extracted.files.size > 0) {
        body = multipartBody({ ...sent, operationName, variables: extracted.variables }, extracted.files);
        // Multipart is a "simple" request to browsers; the server's CSRF prevention wants this header.
        headers["apollo-require-preflight"] = "true";
      } else {
        body = JSON.stringify({ ...sent, operationName, variables: variables ?? {} });
        headers["content-type"] = "application/json";
      }
      const response = await fetchImpl(options.url, { method: "POST", headers, body });
      return readResult<TData>(response);
    },
  };
}

/** The hash codegen put in the document (codegen.ts, __meta__.hash); undefined for a document written by hand. */
function persistedHashOf(document: DocumentNode): string | undefined {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === "string" ? hash : undefined;
}

function operationOf(document: DocumentNode): OperationDefinitionNode | undefined {
  return document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
}

async function readResult<TData>(response: Response): Promise<TData> {
  const text = await response.text();
  let result: { data?: TData | null; errors?: GraphQLErrorEntry[] };
  try {
    result = JSON.parse(text) as typeof result;
  } catch {
    throw new LookalikeRequestError(`HTTP ${response.status}: the response is not JSON: ${text.slice(0, 200)}`, response.status);
  }
  if (result.errors?.length) {
    throw new LookalikeRequestError(result.errors.map((error) => error.message).join("; "), response.status, result.errors);
  }
  if (result.data === undefined || result.data === null) {
    throw new LookalikeRequestError(`HTTP ${response.status}: the response has no data`, response.status);
  }
  return result.data;
}
