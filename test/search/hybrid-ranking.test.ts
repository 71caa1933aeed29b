import { describe, expect, it } from "vitest";
import { compareCandidates, fusedScore, VISUAL_WEIGHT, type HybridCandidate } from "../../src/search/hybrid-ranking.js";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const candidate = (productId: string, fields: Partial<HybridCandidate>): HybridCandidate => ({
  productId,
  visualScore: 0.5,
  tagScore: 0.5,
  duplicate: null,
  tagCount: 4,
  createdAt: at(0),
  ...fields,
});
const order = (candidates: HybridCandidate[], signal: "HYBRID" | "VISUAL" = "HYBRID") =>
  [...candidates].sort(compareCandidates(signal)).map((item) => item.productId);

describe("hybrid ranking", () => {
  it("weighs the look and the tags into one score", () => {
    expect(fusedScore("HYBRID", 1, 0)).toBeCloseTo(VISUAL_WEIGHT, 12);
    expect(fusedScore("HYBRID", 0, 1)).toBeCloseTo(1 - VISUAL_WEIGHT, 12);
    expect(fusedScore("VISUAL", 0.4, 0.9)).toBe(0.4);
    expect(fusedScore("TAGS", 0.4, 0.9)).toBe(0.9);
    expect(fusedScore("HYBRID", null, null)).toBe(0);
  });

  it("puts duplicates first, exact before near, whatever the scores", () => {
    const ranked = order([
      candidate("best-score", { visualScore: 0.99, tagScore: 1 }),
      candidate("near", { duplicate: "NEAR", visualScore: 0.2, tagScore: 0 }),
      candidate("exact", { duplicate: "EXACT", visualScore: 0.1, tagScore: 0 }),
    ]);
    expect(ranked).toEqual(["exact", "near", "best-score"]);
  });

  it("does not let a product carrying more than the query tie the exact match: fewer extra tags first, then the newest", () => {
    const ranked = order([
      candidate("superset-newer", { tagCount: 9, createdAt: at(5) }),
      candidate("exact-older", { tagCount: 4, createdAt: at(1) }),
      candidate("exact-newer", { tagCount: 4, createdAt: at(2) }),
    ]);
    expect(ranked).toEqual(["exact-newer", "exact-older", "superset-newer"]);
  });

  it("ranks by score before any tie-break", () => {
    expect(order([candidate("low", { visualScore: 0.3, tagCount: 1, createdAt: at(9) }), candidate("high", { visualScore: 0.31, tagCount: 20 })])).toEqual(["high", "low"]);
  });
});
