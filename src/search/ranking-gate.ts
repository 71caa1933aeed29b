import { withCode } from "../errors.js";

export const SEARCH_BUSY = "SEARCH_BUSY";

/** A ranking waited its whole allowance for a turn: the process is busy with others (try again). */
export class SearchBusyError extends withCode(SEARCH_BUSY, { transient: true }) {}

/**
 * How many rankings (search, similarProducts, findSimilarProducts) one
 * process runs at once; the rest wait in line, first come first served.
 *
 * Why: a ranking sends a dozen statements one after another. Without a gate,
 * fifty of them at once share the pool round-robin, statement by statement,
 * so they all advance together and all finish late: at a million products
 * every one of 50 concurrent similarProducts outlived a 10 s client timeout,
 * and nothing was answered. In line, each runs at the speed of a few, and
 * the wait is spent before the work rather than between its statements.
 */
export class RankingGate {
  private running = 0;
  private readonly waiting: Array<{ start: () => void; timer: NodeJS.Timeout | null }> = [];

  /**
   * @param slots rankings at once; 0: no gate.
   * @param maxWaitMs the longest a ranking waits for its turn before SearchBusyError; 0: no limit.
   */
  constructor(
    readonly slots: number,
    private readonly maxWaitMs: number,
  ) {}

  async run<T>(ranking: () => Promise<T>): Promise<T> {
    if (this.slots === 0) return ranking();
    await this.turn();
    try {
      return await ranking();
    } finally {
      this.running--;
      this.waiting.shift()?.start();
    }
  }

  /** Rankings waiting for a turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  private turn(): Promise<void> {
    if (this.running < this.slots) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const entry = {
        start: () => {
          if (entry.timer) clearTimeout(entry.timer);
          this.running++;
          resolve();
        },
        timer: null as NodeJS.Timeout | null,
      };
      if (this.maxWaitMs > 0) {
        entry.timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(new SearchBusyError(`The server is busy with other searches; none started within ${this.maxWaitMs} ms. Try again.`, {}));
        }, this.maxWaitMs);
      }
      this.waiting.push(entry);
    });
  }
}

/** SEARCH_CONCURRENCY's default: half the requests' pool (a ranking holds up to two connections at once), two connections kept for other reads. */
export function defaultRankingSlots(poolMax: number): number {
  return Math.max(1, Math.floor((poolMax - 2) / 2));
}
