import { describe, expect, inject, it } from "vitest";
import { runHttpBench } from "../../bench/http-bench.js";
import { runHttpReadBench } from "../../bench/http-read-bench.js";

/**
 * A second per run of `npm run bench:http`: the real load generator against
 * the real app processes over real HTTP, on a seeded database of the test
 * cluster. It checks that the bench measures something and that nothing was
 * refused or failed, idle subscribers included; no speed is asserted.
 */
describe("bench:http", () => {
  it("drives every read of the read path and its pg baseline, without a refusal or an error", { timeout: 300_000 }, async () => {
    const results = await runHttpReadBench({
      databaseUrl: inject("pgAdminUrl"),
      products: 200,
      seed: 7,
      duration: 1,
      warmup: 1,
      rounds: 2,
      connections: 2,
      distinct: 5,
      zipf: 1,
      subscribers: 40,
      responseCache: true,
    });

    expect(results.workloads.map((workload) => workload.workload)).toEqual([
      "{ __typename }",
      "product(id)",
      "products(first: 20) head",
      "products(first: 20) deep",
      "search popular",
      "search rare",
      "similarProducts(limit: 10)",
    ]);
    const clean = { non2xx: 0, graphqlErrors: 0, errors: 0 };
    for (const workload of results.workloads) {
      const { graphql } = workload;
      expect(graphql.responses, workload.workload).toBeGreaterThan(0);
      expect(graphql.roundsRequestsPerSecond).toHaveLength(2);
      expect({ non2xx: graphql.non2xx, graphqlErrors: graphql.graphqlErrors, errors: graphql.errors }, workload.workload).toEqual(clean);
      // The app's CPU per request was read (PostgreSQL's is not: the test's server is not the bench's own).
      expect(graphql.cpuMsPerRequest.app).toBeGreaterThan(0);
      expect(workload.toTypename.requestsPerSecond).toBeGreaterThan(0);
      expect(workload.toTypename.p99).toBeGreaterThan(0);
      expect(workload.stream.requests).toBeGreaterThan(0);
      expect(workload.stream.distinct).toBeGreaterThan(0);
      expect(workload.stream.distinct).toBeLessThanOrEqual(workload.distinct);
    }
    const byName = new Map(results.workloads.map((workload) => [workload.workload, workload]));
    // The seeded catalogue answers: a product, full pages at the head and deep in the cursor, popular words, similar products.
    expect(byName.get("product(id)")!.probe.items).toBe(1);
    expect(byName.get("products(first: 20) head")!.probe.items).toBe(20);
    expect(byName.get("products(first: 20) deep")!.probe.items).toBeGreaterThan(0);
    expect(byName.get("search popular")!.probe.items).toBeGreaterThan(0);
    expect(byName.get("similarProducts(limit: 10)")!.probe.items).toBeGreaterThan(0);
    // Many distinct requests, drawn in turn: product(id) and the deep pages rotate through more than one.
    expect(byName.get("product(id)")!.stream.distinct).toBeGreaterThan(1);
    expect(byName.get("products(first: 20) deep")!.stream.distinct).toBeGreaterThan(1);

    // The gateway tax: search and similarProducts also ran as their captured statements, straight through pg, without an error.
    const taxed = results.workloads.filter((workload) => workload.gatewayTax);
    expect(taxed.map((workload) => workload.workload)).toEqual(["search popular", "search rare", "similarProducts(limit: 10)"]);
    for (const workload of taxed) {
      const tax = workload.gatewayTax!;
      expect(tax.capture.statementsPerRequest.min, workload.workload).toBeGreaterThan(0);
      expect(tax.pg.responses).toBeGreaterThan(0);
      expect(tax.pg.roundsRequestsPerSecond).toHaveLength(2);
      expect(tax.pg.errors).toBe(0);
      expect(tax.stream.requests).toBeGreaterThan(0);
      expect(tax.ratio).toBeGreaterThan(0);
    }
    expect(byName.get("search popular")!.gatewayTax!.capture.withItems).toBe(5);

    // The response cache was on and counted: the head page is one request, so every timed answer came from the cache;
    // { __typename } alone is never cached.
    expect(byName.get("{ __typename }")!.responseCache).toEqual({ hits: 0, shared: 0, misses: 0, hitRate: 0, sharedRate: 0 });
    const head = byName.get("products(first: 20) head")!.responseCache!;
    expect(head.misses).toBe(0); // its probe and warm-up filled the cache
    expect(head.hits).toBeGreaterThan(0);
    expect(head.hits).toBeLessThanOrEqual(byName.get("products(first: 20) head")!.stream.requests);

    // The idle-subscriber phase: every subscriber got the timed event, as a product, on the keyed app.
    expect(results.idleSubscribers).toMatchObject({ subscribers: 40, failures: 0 });
    expect(results.idleSubscribers!.fanOutLastMs).toBeGreaterThanOrEqual(results.idleSubscribers!.fanOutFirstMs);
    expect(results.clean).toBe(true);
  });

  it("BENCH_HTTP_MODE=auth drives both configurations with autocannon, without a refusal or an error", { timeout: 300_000 }, async () => {
    const results = await runHttpBench({
      databaseUrl: inject("pgAdminUrl"),
      products: 200,
      seed: 7,
      duration: 1,
      warmup: 1,
      rounds: 2,
      connections: 2,
      searches: 5,
      subscribers: 0,
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
    // Idle subscribers are checked in the read-path test above (the same phase on the same kind of app).
    expect(results.idleSubscribers).toBeNull();
    expect(results.clean).toBe(true);
  });
});
