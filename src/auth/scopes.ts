import { BadUserInputError } from "../errors.js";

/**
 * What a key may do. Each operation of the API names the one scope it needs
 * (graphql/auth/requires-scope.ts); no scope implies another, so a key holds
 * exactly what it was given.
 * - read: queries and subscriptions
 * - search: findSimilarProducts, which uploads a photo and runs an analysis
 * - write: addProduct, retryAnalysis and the mutations that change the catalogue
 * - admin: managing API keys
 */
export const SCOPES = ["read", "search", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** "read,search" or ["read", "search"]: trimmed, lower case, no duplicates, at least one, in SCOPES order. */
export function parseScopes(input: string | readonly string[]): Scope[] {
  const words = (typeof input === "string" ? input.split(",") : input).map((word) => word.trim().toLowerCase()).filter(Boolean);
  const unknown = words.filter((word) => !isScope(word));
  if (unknown.length > 0) {
    throw new BadUserInputError(`Unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}; the scopes are ${SCOPES.join(", ")}.`, {
      argument: "scopes",
    });
  }
  if (words.length === 0) throw new BadUserInputError(`Give at least one scope: ${SCOPES.join(", ")}.`, { argument: "scopes" });
  return SCOPES.filter((scope) => words.includes(scope));
}
