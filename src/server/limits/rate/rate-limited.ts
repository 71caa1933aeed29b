import { GraphQLError } from "graphql";
import { withCode } from "../../../errors.js";

/** Which of the rate limits refused an operation (extensions.limit). */
export type RateLimitName = "points" | "pendingAnalyses" | "concurrentUploads";

/**
 * Over a rate limit: nothing ran and nothing was taken. details: `limit`,
 * `maximum`, `retryAfterSeconds` (also the HTTP Retry-After header) and
 * `resetAt`, when trying again should succeed (ISO 8601).
 */
export class RateLimitedError extends withCode("RATE_LIMITED", { transient: true }) {}

export interface RateLimitRefusal {
  limit: RateLimitName;
  maximum: number;
  /** What the subject has: points in its bucket, or analyses pending, or uploads running. */
  current: number;
  retryAfterMs: number;
  now: Date;
}

const MESSAGES: Record<RateLimitName, (refusal: RateLimitRefusal, requested: number) => string> = {
  points: (r, requested) => `Rate limited: this operation costs ${requested} points and ${r.current} of ${r.maximum} remain.`,
  pendingAnalyses: (r) => `Rate limited: ${r.current} analyses queued by this key or address are not finished; at most ${r.maximum} may be.`,
  concurrentUploads: (r) => `Rate limited: ${r.current} uploads of this key or address are in progress; at most ${r.maximum} may be at once.`,
};

/** A 429 with Retry-After (whole seconds, at least 1), as a request error that runs nothing. */
export function rateLimitedError(refusal: RateLimitRefusal, requested: number): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  const resetAt = new Date(refusal.now.getTime() + Math.max(0, refusal.retryAfterMs));
  const error = new RateLimitedError(`${MESSAGES[refusal.limit](refusal, requested)} Try again in ${retryAfterSeconds} s.`, {
    limit: refusal.limit,
    maximum: refusal.maximum,
    current: refusal.current,
    requested,
    retryAfterSeconds,
    resetAt: resetAt.toISOString(),
  });
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: {
      ...error.details,
      code: error.code,
      http: { status: 429, headers: new Map([["retry-after", String(retryAfterSeconds)]]) },
    },
  });
}
