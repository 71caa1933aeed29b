/** Settings of the rate limiter (config.ts, RATE_LIMIT_*); README "Security" lists them. */
export interface RateLimits {
  /** The most points a subject's bucket holds; at least the per-request maximum cost. */
  bucketPoints: number;
  /** Points given back each second, up to a full bucket. */
  refillPerSecond: number;
  /** Analyses a subject has queued that are not finished yet (PENDING or RUNNING), counting those being queued. */
  maxPendingAnalyses: number;
  /** Operations with an upload that a subject may have running at once. */
  maxConcurrentUploads: number;
  /** How long a running operation's lease holds if its process dies before releasing it. */
  leaseTtlMs: number;
}
