import { describe, expect, inject, it } from "vitest";
import { runHttpBench } from "../../bench/http-bench.js";

/**
 * A second of `npm run bench:http`: the real load generator against the real
 * app processes over real HTTP, on a seeded database of the test cluster.
 * It checks that the bench measures something and that nothing was refused
 * or failed, idle subscribers included; no speed is asserted.
 */
describe("bench:http", () => {
  it("drives both configurations with autocannon, without a refusal or an error", { timeout: 300_000 }, async () => {
    const results = await runHttpBench({
      databaseUrl: inject("pgAdminUrl"),
      products: 200,
      seed: 7,
      duration: 1,
      warmup: 1,
      rounds: 2,
      connections: 2,
      searches: 5,
      subscribers: 40,
    });

    expect(results.anonymousStatusWithAuth).toBe(401);
    expect(results.workloads.map((workload) => workload.workload)).toEqual(["products(first: 20)", "search(limit: 20)"]);
    for (const workload of results.workloads) {
      expect(workload.configurations.map((result) => result.configuration)).toEqual(["off", "on"]);
      for (const result of workload.configurations) {
        expect(result.responses, `${workload.workload}, ${result.configuration}`).toBeGreaterThan(0);
        expect(result.requestsPerSecond).toBeGreaterThan(0);
        expect(result.roundsRequestsPerSecond).toHaveLength(2);
        expect({ non2xx: result.non2xx, graphqlErrors: result.graphqlErrors, errors: result.errors }).toEqual({ non2xx: 0, graphqlErrors: 0, errors: 0 });
        // The app's CPU per request was read (PostgreSQL's is not: the test's server is not the bench's own).
        expect(result.cpuMsPerRequest.app).toBeGreaterThan(0);
        // The seeded catalogue answers: a full page, and search matches.
        expect(workload.probes[result.configuration]!.items).toBeGreaterThan(0);
      }
      // With rate limiting on, the key's bucket was really taken from, and never emptied.
      const cost = workload.probes.on!.cost!;
      expect(cost.maximum - cost.remaining).toBeGreaterThanOrEqual(cost.requested);
      expect(cost.remaining).toBeGreaterThan(0);
      expect(workload.ratios).toHaveLength(1);
      expect(workload.ratios[0]!.ratio).toBeGreaterThan(0);
    }
    // The idle-subscriber phase: every subscriber got the timed event, as a product, on the keyed app.
    expect(results.idleSubscribers).toMatchObject({ subscribers: 40, failures: 0 });
    expect(results.idleSubscribers!.fanOutLastMs).toBeGreaterThanOrEqual(results.idleSubscribers!.fanOutFirstMs);
    expect(results.clean).toBe(true);
  });
});
