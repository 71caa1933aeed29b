import { withCode } from "../errors.js";

export class TaggerUnavailableError extends withCode("TAGGER_UNAVAILABLE") {}

export class TaggerTimeoutError extends withCode("TAGGER_TIMEOUT", { transient: true }) {}

/** No worker thread became free in time: the analysis never started, through no fault of its photo. */
export class TaggerBusyError extends withCode("TAGGER_BUSY", { transient: true }) {}

export class TaggerRateLimitedError extends withCode("TAGGER_RATE_LIMITED", { transient: true }) {}

/** The tagging service answered with a server error, or could not be reached. */
export class TaggerUpstreamError extends withCode("TAGGER_UPSTREAM_ERROR", { transient: true }) {}

/** The reply could not be parsed, or did not match the ImageFeatures schema. */
export class TaggerInvalidResponseError extends withCode("TAGGER_INVALID_RESPONSE") {}

/** The model declined to describe the image. */
export class TaggerRefusalError extends withCode("TAGGER_REFUSED") {}

/** The tagging service rejected the request itself (bad key, bad model, image refused). */
export class TaggerRequestRejectedError extends withCode("TAGGER_REQUEST_REJECTED") {}
