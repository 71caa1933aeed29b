import { ForbiddenError, UnauthenticatedError } from "./errors.js";
import type { Scope } from "./scopes.js";

/** AUTH=required: every request needs a key with the operation's scope. AUTH=off: open, except key management. */
export type AuthMode = "required" | "off";

/** The key a request was sent with, once verified. */
export interface AuthenticatedKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Runs only persisted documents (src/trusted-documents/). */
  readonly trustedDocumentsOnly: boolean;
}

/** Why credentials that were sent are refused. */
export type CredentialProblem = "malformed" | "unknown" | "revoked";

/**
 * Who is asking, as the request context carries it. `key` is null for an
 * anonymous request; a later per-key limiter can count by `key.id`, and by
 * client address when it is null.
 */
export interface RequestAuth {
  readonly mode: AuthMode;
  readonly key: AuthenticatedKey | null;
  /** Credentials were sent but cannot be used: refused in every mode rather than ignored. */
  readonly problem: CredentialProblem | null;
}

/** One root field of an operation and the scope it needs. */
export interface ScopeRequirement {
  readonly field: string;
  readonly scope: Scope;
}

const PROBLEM_MESSAGES: Record<CredentialProblem, string> = {
  malformed: "The API key is malformed: send Authorization: Bearer lk_…",
  unknown: "The API key is not known.",
  revoked: "The API key has been revoked.",
};

/**
 * Throws unless the request may run every field it asks for. Key management
 * (the admin scope) needs a key even with AUTH=off: otherwise anyone could
 * mint a key in an open deployment that would still work once auth is on.
 */
export function authorize(auth: RequestAuth, requirements: readonly ScopeRequirement[]): void {
  if (auth.problem) throw new UnauthenticatedError(PROBLEM_MESSAGES[auth.problem], { reason: auth.problem });
  const enforced = requirements.filter(({ scope }) => auth.mode === "required" || scope === "admin");
  if (!auth.key && (auth.mode === "required" || enforced.length > 0)) {
    throw new UnauthenticatedError("An API key is required: send Authorization: Bearer <key>.", { reason: "missing" });
  }
  for (const { field, scope } of enforced) {
    if (!auth.key!.scopes.includes(scope)) {
      throw new ForbiddenError(`${field} needs an API key with the "${scope}" scope.`, { scope, field });
    }
  }
}

/**
 * The token in `Authorization: Bearer <token>`: undefined when nothing is
 * sent, "" (malformed) when the header has another shape.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header.trim());
  return match ? match[1]! : "";
}
