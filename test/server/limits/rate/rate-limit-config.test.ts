import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../../src/config.js";

describe("rate limit settings", () => {
  it("are on in production and off elsewhere unless RATE_LIMIT says otherwise", () => {
    expect(loadConfig({ NODE_ENV: "production" }).rateLimits).toEqual({
      enabled: true,
      bucketPoints: 10_000,
      refillPerSecond: 500,
      maxPendingAnalyses: 20,
      maxConcurrentUploads: 4,
      trustProxyHops: 0,
    });
    expect(loadConfig({}).rateLimits.enabled).toBe(false);
    expect(loadConfig({ RATE_LIMIT: "true" }).rateLimits.enabled).toBe(true);
    expect(loadConfig({ NODE_ENV: "production", RATE_LIMIT: "false" }).rateLimits.enabled).toBe(false);
  });

  it("refuses a bucket smaller than one operation's maximum cost, which would refuse that operation forever", () => {
    expect(() => loadConfig({ RATE_LIMIT: "true", RATE_LIMIT_POINTS: "500", GRAPHQL_MAX_COST: "1000" })).toThrow(ConfigError);
    expect(loadConfig({ RATE_LIMIT: "true", RATE_LIMIT_POINTS: "1000", GRAPHQL_MAX_COST: "1000" }).rateLimits.bucketPoints).toBe(1000);
  });

  it("refuses rate limits without the query limits, whose cost they count", () => {
    expect(() => loadConfig({ RATE_LIMIT: "true", GRAPHQL_LIMITS: "false" })).toThrow(/RATE_LIMIT needs GRAPHQL_LIMITS/);
    expect(() => loadConfig({ NODE_ENV: "production", AUTH: "required", GRAPHQL_LIMITS: "false" })).toThrow(ConfigError);
    expect(loadConfig({ NODE_ENV: "production", AUTH: "required", GRAPHQL_LIMITS: "false", RATE_LIMIT: "false" }).queryLimits.enabled).toBe(false);
  });

  it.each([{ RATE_LIMIT_REFILL_PER_SECOND: "0" }, { RATE_LIMIT_MAX_CONCURRENT_UPLOADS: "0" }, { RATE_LIMIT_MAX_PENDING_ANALYSES: "x" }, { TRUST_PROXY_HOPS: "-1" }])(
    "refuses %j",
    (env) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    },
  );
});
