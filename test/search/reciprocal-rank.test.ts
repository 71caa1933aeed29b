import { describe, expect, it } from "vitest";
import { Product } from "../../src/catalog/product.entity.js";
import type { ScoredProduct } from "../../src/search/similarity-repository.js";
import { FULL_TEXT_CONTRIBUTION, fuseByReciprocalRank, reciprocalRankHead } from "../../src/search/text-search.js";

const product = (id: string, minute: number) => Object.assign(new Product(`https://shop.example/${id}`), { id, createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) });
/** As the tag ranking's explanation gives it: every product explained, by its tags. */
const explained = (products: Product[], tags: Record<string, string[]>) =>
  new Map<string, ScoredProduct>(
    products.map((item) => {
      const matched = tags[item.id] ?? [];
      const contributions = matched.map((tag) => ({ tag, share: 0.5 / matched.length }));
      return [item.id, { product: item, score: 0.5, visualScore: null, tagScore: 0.5, duplicate: null, matchedPhotoId: null, matchedTags: matched, contributions }];
    }),
  );

describe("reciprocal rank fusion of the tag and full-text rankings", () => {
  it("keeps the head down to the limit-th score, with every product tied at the cut", () => {
    // "t2" (second by tags) and "x2" (second by text) tie, and so do "t3" and "x3".
    const head = reciprocalRankHead(["both", "t2", "t3"], ["both", "x2", "x3"], 2, 0);
    expect(head.map((rank) => rank.productId)).toEqual(["both", "t2", "x2"]);
    expect(head[0]!.score).toBeCloseTo(1, 12);
    expect(head[1]!.score).toBe(head[2]!.score);
    expect(reciprocalRankHead(["both", "t2", "t3"], ["both", "x2", "x3"], 4, 0).map((rank) => rank.productId)).toEqual(["both", "t2", "x2", "t3", "x3"]);
  });

  it("leaves out what scores below minScore, even within the limit", () => {
    expect(reciprocalRankHead(["both", "t2"], ["both"], 10, 0.9).map((rank) => rank.productId)).toEqual(["both"]);
    expect(reciprocalRankHead([], [], 10, 0)).toEqual([]);
  });

  it("orders ties newest first, explains the tag part and credits the words, and cuts to the limit", () => {
    const products = [product("both", 1), product("t2", 2), product("x2", 3)];
    const head = reciprocalRankHead(["both", "t2"], ["both", "x2"], 2, 0);
    const fused = fuseByReciprocalRank(head, explained(products, { both: ["color:red", "object:mug"], t2: ["color:red"], x2: ["object:mug"] }), 2);
    expect(fused.map((match) => match.product.id)).toEqual(["both", "x2"]);
    const [both, x2] = fused;
    expect(both!.matchedTags).toEqual(["color:red", "object:mug"]);
    expect(both!.contributions.map((item) => item.tag)).toEqual(["color:red", "object:mug", FULL_TEXT_CONTRIBUTION]);
    expect(both!.contributions.reduce((sum, item) => sum + item.share, 0)).toBeCloseTo(both!.score, 12);
    // Found by its words alone: its tags are not what ranked it.
    expect(x2!.matchedTags).toEqual([]);
    expect(x2!.tagScore).toBeNull();
    expect(x2!.contributions).toEqual([{ tag: FULL_TEXT_CONTRIBUTION, share: x2!.score }]);
  });

  it("skips a product deleted between ranking and loading", () => {
    const head = reciprocalRankHead(["gone", "kept"], [], 2, 0);
    const loaded = explained([product("kept", 1)], {});
    loaded.set("gone", { ...loaded.get("kept")!, product: undefined as unknown as Product });
    expect(fuseByReciprocalRank(head, loaded, 2).map((match) => match.product.id)).toEqual(["kept"]);
  });
});
