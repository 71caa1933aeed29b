import { describe, expect, inject, it } from "vitest";
import { runImportBench } from "../../bench/import-bench.js";

/**
 * `npm run bench:import` on three photos: the real app processes (the local
 * tagger), a real image host on loopback, addProduct over multipart HTTP and
 * importProducts followed on importProgress, each side on a fresh database of
 * the test cluster. It checks that the bench measured both sides and the
 * re-import, without a refusal or a failure; no speed is asserted.
 */
describe("bench:import", () => {
  it("uploads, imports and re-imports the same photos, without an error", { timeout: 180_000 }, async () => {
    const results = await runImportBench({ items: 3, uploadConcurrency: 2, first: "baseline", only: null, env: {}, databaseUrl: inject("pgAdminUrl") });

    expect(results.order).toEqual(["baseline", "compared"]);
    const { baseline, compared } = results;
    expect(baseline).toMatchObject({ items: 3, uploadErrors: 0, analysisFailures: 0, ready: 3, analysisAttempts: 3 });
    expect(baseline!.endToEndSeconds).toBeGreaterThanOrEqual(baseline!.uploadsAcceptedSeconds);
    expect(baseline!.itemsPerSecond).toBeGreaterThan(0);
    expect(baseline!.peakRssMiB).toBeGreaterThan(0);

    // Every item imported and analysed once; its failures would be listed with their codes.
    expect(compared!.import.counts).toEqual({ total: 3, done: 3, skipped: 0, failed: 0, pending: 0 });
    expect(compared!.import.failureCodes).toEqual({});
    expect(compared!.import.analysisAttempts).toBe(3);
    expect(compared!.import.endToEndSeconds).toBeGreaterThanOrEqual(compared!.import.callSeconds);
    expect(compared!.import.progressEvents).toBeGreaterThan(1);
    // The re-import is idempotent: every item SKIPPED, nothing analysed again.
    expect(compared!.reimport.counts).toEqual({ total: 3, done: 0, skipped: 3, failed: 0, pending: 0 });
    expect(compared!.reimport.analysisAttempts).toBe(0);
    expect(compared!.reimport.itemsPerSecond).toBeGreaterThan(0);

    expect(results.ratio).toBeGreaterThan(0);
    expect(results.clean).toBe(true);
  });
});
