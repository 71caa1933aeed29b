import type { RequestAuth } from "../auth/request-auth.js";

/**
 * TRUSTED_DOCUMENTS:
 * - off: nobody is held to persisted documents (a key's flag is ignored);
 * - keys (default): keys created with trustedDocumentsOnly run only the
 *   manifest's documents; other keys and anonymous callers send any query,
 *   within their cost limits;
 * - all: every caller runs only the manifest's documents.
 * In every mode a known hash is accepted in place of the query text.
 */
export type TrustedDocumentsMode = "off" | "keys" | "all";
export const TRUSTED_DOCUMENTS_MODES = ["off", "keys", "all"] as const satisfies readonly TrustedDocumentsMode[];

export function mustSendPersistedDocument(mode: TrustedDocumentsMode, auth: Pick<RequestAuth, "key">): boolean {
  if (mode === "all") return true;
  return mode === "keys" && auth.key?.trustedDocumentsOnly === true;
}
