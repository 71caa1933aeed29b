/**
 * The settings of the rate-limit tests' app instances: open (AUTH=off, so an
 * anonymous request is counted by its client address, from X-Forwarded-For
 * behind one trusted proxy), no tagger, and a bucket of the test's own size.
 */
export function rateLimitedAppEnv(bucket: { points: number; refillPerSecond: number; maxCost: number }): Record<string, string> {
  return {
    TAGGER: "none",
    AUTH: "off",
    RATE_LIMIT: "true",
    RATE_LIMIT_POINTS: String(bucket.points),
    RATE_LIMIT_REFILL_PER_SECOND: String(bucket.refillPerSecond),
    GRAPHQL_MAX_COST: String(bucket.maxCost),
    TRUST_PROXY_HOPS: "1",
  };
}
