import { describe, expect, it } from "vitest";
import { PointReserves, type PointSource } from "../../../../src/server/limits/rate/point-reserves.js";
import type { TakeResult } from "../../../../src/server/limits/rate/rate-limit-store.js";

/**
 * The shared bucket as PostgreSQL runs it, with answers held back: each take
 * is applied in the order it is sent (as the database would run them), and
 * its answer reaches the process only when the test releases it, so answers
 * can arrive in another order than the statements ran.
 */
class HeldBackBucket implements PointSource {
  level: number;
  private readonly held: Array<() => void> = [];
  constructor(capacity: number) {
    this.level = capacity;
  }
  take(_subject: string, points: number): Promise<TakeResult> {
    this.level -= points;
    const remaining = this.level;
    return new Promise((resolve) => this.held.push(() => resolve({ taken: true, remaining })));
  }
  async giveBack(_subject: string, points: number): Promise<void> {
    this.level += points;
  }
  /** Delivers the answer to the `index`-th take (0 first). */
  release(index: number): void {
    this.held[index]!();
  }
}

const CAPACITY = 3_200;
const COST = 5;
const quiet = { warn: () => {} };

describe("points taken in blocks: what a request reports as left", () => {
  it("never counts a block twice when an earlier statement's answer arrives after the block's", async () => {
    let now = 1_000;
    const bucket = new HeldBackBucket(CAPACITY);
    const reserves = new PointReserves(bucket, { capacity: CAPACITY, refillPerSecond: 1 }, quiet, () => now);
    try {
      // Two requests of a new subject take exactly their cost, side by side.
      const first = reserves.take("s", COST);
      const second = reserves.take("s", COST);
      bucket.release(0);
      expect(await first).toEqual({ taken: true, remaining: CAPACITY - COST });
      // Demand is known now: the next request takes a block besides its cost.
      now += 10;
      const block = reserves.take("s", COST);
      bucket.release(2);
      const afterBlock = (await block) as { remaining: number };
      expect(afterBlock.remaining).toBe(bucket.level + 100);
      // The second request's statement ran before the block's, and its answer arrives after it.
      bucket.release(1);
      expect(await second).toEqual({ taken: true, remaining: afterBlock.remaining });
      // Served from the block: the bucket as the block saw it, plus what is still held.
      expect(await reserves.take("s", COST)).toEqual({ taken: true, remaining: afterBlock.remaining - COST });
    } finally {
      await reserves.close();
    }
  });
});
