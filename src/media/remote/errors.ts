import { DomainError, withCode } from "../../errors.js";

/**
 * The two codes of a fetch by URL (issue 14's import). The split is by whose
 * move it is: FORBIDDEN is our policy saying no before (or instead of) talking
 * to the host, and the same URL will be refused again; FAILED is the host or
 * the network not giving us an acceptable image in time, which may or may
 * not be different next time (see `transient`).
 *
 * `details.reason` tells the cases apart and, like every detail, is safe to
 * show the client: no resolved address is ever put in a message or detail,
 * so a refusal does not reveal how our internal names resolve.
 */
export type ForbiddenReason = "malformed_url" | "scheme" | "credentials" | "address" | "too_many_redirects";

export class ImportUrlForbiddenError extends withCode("IMPORT_URL_FORBIDDEN") {
  constructor(message: string, details: { reason: ForbiddenReason } & Record<string, unknown>) {
    super(message, details);
  }
}

export type FetchFailedReason = "network" | "timeout" | "http_status" | "too_large";

export class ImportFetchFailedError extends DomainError {
  readonly code = "IMPORT_FETCH_FAILED";
  override readonly transient: boolean;

  constructor(message: string, details: { reason: FetchFailedReason } & Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, details, options);
    this.transient = isTransient(details.reason, details.status);
  }
}

/** Worth retrying later: the network, a slow host, an overloaded one (429, 5xx). A 404 or a too-large image stays so. */
function isTransient(reason: FetchFailedReason, status: unknown): boolean {
  if (reason === "network" || reason === "timeout") return true;
  return reason === "http_status" && typeof status === "number" && (status === 429 || status >= 500);
}
