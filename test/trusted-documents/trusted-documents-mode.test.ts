import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { PersistedDocuments } from "../../src/trusted-documents/manifest.js";
import { persistedDocumentHash } from "../../src/trusted-documents/document-hash.js";
import { resolvePersistedDocument } from "../../src/trusted-documents/resolve-persisted-document.js";
import { mustSendPersistedDocument } from "../../src/trusted-documents/trusted-documents-mode.js";

const key = (trustedDocumentsOnly: boolean) => ({ key: { id: "k", name: "k", scopes: ["read" as const], trustedDocumentsOnly } });
const TEXT = "query Known { __typename }";
const documents = PersistedDocuments.fromManifest({ [persistedDocumentHash(TEXT)]: TEXT });

describe("TRUSTED_DOCUMENTS", () => {
  it("defaults to keys, and refuses a value it does not know", () => {
    expect(loadConfig({}).trustedDocuments).toBe("keys");
    expect(loadConfig({ TRUSTED_DOCUMENTS: "all" }).trustedDocuments).toBe("all");
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: "yes" })).toThrow(/TRUSTED_DOCUMENTS/);
  });

  it("holds flagged keys with keys, every caller with all, nobody with off", () => {
    expect([mustSendPersistedDocument("keys", key(true)), mustSendPersistedDocument("keys", key(false)), mustSendPersistedDocument("keys", { key: null })]).toEqual([true, false, false]);
    expect([mustSendPersistedDocument("all", key(false)), mustSendPersistedDocument("all", { key: null })]).toEqual([true, true]);
    expect(mustSendPersistedDocument("off", key(true))).toBe(false);
  });
});

describe("resolving a request's document", () => {
  it("runs the manifest's text for a known hash, whatever text came with it", () => {
    const hash = persistedDocumentHash(TEXT);
    expect(resolvePersistedDocument({ query: "{ apiKeys { id } }", extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, documents, true)).toEqual({ kind: "persisted", hash, query: TEXT });
    expect(resolvePersistedDocument({ documentId: `sha256:${hash.toUpperCase()}` }, documents, true)).toMatchObject({ query: TEXT });
  });

  it("leaves text and unknown Apollo hashes alone for a caller not held to persisted documents, but not an unknown documentId", () => {
    expect(resolvePersistedDocument({ query: TEXT }, documents, false)).toEqual({ kind: "unchanged" });
    expect(resolvePersistedDocument({ extensions: { persistedQuery: { sha256Hash: "ab" } } }, documents, false)).toEqual({ kind: "unchanged" });
    expect(() => resolvePersistedDocument({ documentId: "sha256:ab" }, documents, false)).toThrow(expect.objectContaining({ code: "PERSISTED_DOCUMENT_NOT_FOUND" }));
    expect(() => resolvePersistedDocument({ query: TEXT }, documents, true)).toThrow(expect.objectContaining({ code: "PERSISTED_DOCUMENT_REQUIRED" }));
  });
});
