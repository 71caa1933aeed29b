import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { DomainError } from "../../errors.js";
import {
  TaggerRateLimitedError,
  TaggerRequestRejectedError,
  TaggerTimeoutError,
  TaggerUpstreamError,
} from "../errors.js";
import { retryAfterFromHeaders, type RetryDecision } from "./retry.js";

type FailureKind = "timeout" | "rate-limited" | "upstream" | "rejected";

interface UpstreamFailure {
  kind: FailureKind;
  status: number | undefined;
  retryAfterMs: number | undefined;
}

/** Sorts an error from the OpenAI SDK; undefined for anything else (bugs, aborts). */
export function classifyUpstreamFailure(error: unknown): UpstreamFailure | undefined {
  if (error instanceof APIUserAbortError) return undefined;
  if (error instanceof APIConnectionTimeoutError) return { kind: "timeout", status: undefined, retryAfterMs: undefined };
  if (error instanceof APIConnectionError) return { kind: "upstream", status: undefined, retryAfterMs: undefined };
  if (!(error instanceof APIError)) return undefined;
  const status = error.status;
  const retryAfterMs = retryAfterFromHeaders(error.headers);
  if (status === 429) return { kind: "rate-limited", status, retryAfterMs };
  if (status === 408) return { kind: "timeout", status, retryAfterMs };
  // A non-HTTP failure the SDK could not place is treated like an outage.
  if (status === undefined || status >= 500) return { kind: "upstream", status, retryAfterMs };
  return { kind: "rejected", status, retryAfterMs: undefined };
}

/** Timeouts, rate limits, outages and lost connections may pass; a rejected request will not. */
export function retryDecisionFor(error: unknown): RetryDecision {
  const failure = classifyUpstreamFailure(error);
  return { retry: failure !== undefined && failure.kind !== "rejected", retryAfterMs: failure?.retryAfterMs };
}

const MESSAGES: Record<FailureKind, string> = {
  timeout: "The tagging service did not answer in time",
  "rate-limited": "The tagging service is rate limiting requests",
  upstream: "The tagging service failed or could not be reached",
  rejected: "The tagging service rejected the request",
};

const ERROR_CLASSES: Record<FailureKind, new (...args: ConstructorParameters<typeof TaggerTimeoutError>) => DomainError> = {
  timeout: TaggerTimeoutError,
  "rate-limited": TaggerRateLimitedError,
  upstream: TaggerUpstreamError,
  rejected: TaggerRequestRejectedError,
};

/** The domain error for the last failure; errors that are not the SDK's pass through unchanged. */
export function toTaggerError(error: unknown, attempts: number): unknown {
  const failure = classifyUpstreamFailure(error);
  if (!failure) return error;
  const details: Record<string, unknown> = { attempts };
  if (failure.status !== undefined) details.status = failure.status;
  if (error instanceof APIError && error.code) details.upstreamCode = error.code;
  return new ERROR_CLASSES[failure.kind](MESSAGES[failure.kind], details, { cause: error });
}
