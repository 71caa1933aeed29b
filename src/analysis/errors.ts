import { DomainError } from "../errors.js";

export class TaggerUnavailableError extends DomainError {
  readonly code = "TAGGER_UNAVAILABLE";
}

export class TaggerTimeoutError extends DomainError {
  readonly code = "TAGGER_TIMEOUT";
  override readonly transient = true;
}

export class TaggerRateLimitedError extends DomainError {
  readonly code = "TAGGER_RATE_LIMITED";
  override readonly transient = true;
}

/** The tagging service answered with a server error, or could not be reached. */
export class TaggerUpstreamError extends DomainError {
  readonly code = "TAGGER_UPSTREAM_ERROR";
  override readonly transient = true;
}

/** The reply could not be parsed, or did not match the ImageFeatures schema. */
export class TaggerInvalidResponseError extends DomainError {
  readonly code = "TAGGER_INVALID_RESPONSE";
}

/** The model declined to describe the image. */
export class TaggerRefusalError extends DomainError {
  readonly code = "TAGGER_REFUSED";
}

/** The tagging service rejected the request itself (bad key, bad model, image refused). */
export class TaggerRequestRejectedError extends DomainError {
  readonly code = "TAGGER_REQUEST_REJECTED";
}
