/**
 * Reads by key that many requests ask for at once, sent as one statement.
 *
 * A DataLoader batches the keys of one request; under load, fifty requests
 * each send their own one-row statement, and each statement costs a round
 * trip, a wake-up of a PostgreSQL backend and the driver's framing, more than
 * the index lookup it carries. Here every key asked for while earlier
 * statements are running waits, and goes in the next statement with the keys
 * of every other request (each key once). Under light load nothing waits: a
 * key asked for with fewer than `maxRunning` statements out goes in a
 * statement at the end of this turn of the event loop.
 *
 * Exact for reads outside a transaction: a key's statement is always sent
 * after the key was asked for, so it sees every write committed before that.
 */
export interface CoalescingLoaderOptions<V> {
  /** Values of the keys that exist (absent keys are simply missing from the map). */
  load: (keys: string[]) => Promise<Map<string, V>>;
  /** Statements running at once: keys asked for while this many run wait for the next one. */
  maxRunning: number;
  /** Keys per statement, at most. */
  maxBatch: number;
}

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

export class CoalescingLoader<V> {
  private readonly waiting = new Map<string, Array<Waiter<V>>>();
  private running = 0;
  private flushScheduled = false;

  constructor(private readonly options: CoalescingLoaderOptions<V>) {
    if (options.maxRunning < 1 || options.maxBatch < 1) throw new RangeError("maxRunning and maxBatch must be at least 1");
  }

  /** The value of this key, or undefined when it does not exist. */
  load(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      this.scheduleFlush();
    });
  }

  /** The values of the keys that exist, by key; fails as the first failed statement failed. */
  async loadMany(keys: readonly string[]): Promise<Map<string, V>> {
    const values = await Promise.all(keys.map((key) => this.load(key)));
    const found = new Map<string, V>();
    keys.forEach((key, index) => {
      const value = values[index];
      if (value !== undefined) found.set(key, value);
    });
    return found;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.running >= this.options.maxRunning || this.waiting.size === 0) return;
    this.flushScheduled = true;
    // The end of this turn: every key asked for by requests handled in it joins the statement.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.running < this.options.maxRunning && this.waiting.size > 0) {
      const batch = new Map<string, Array<Waiter<V>>>();
      for (const [key, waiters] of this.waiting) {
        if (batch.size >= this.options.maxBatch) break;
        batch.set(key, waiters);
        this.waiting.delete(key);
      }
      this.send(batch);
    }
  }

  private send(batch: Map<string, Array<Waiter<V>>>): void {
    this.running += 1;
    const settled = (settle: (waiter: Waiter<V>, key: string) => void) => {
      for (const [key, waiters] of batch) for (const waiter of waiters) settle(waiter, key);
    };
    // load may throw before returning a promise: Promise.resolve().then turns that into a rejection too.
    Promise.resolve()
      .then(() => this.options.load([...batch.keys()]))
      .then(
        (found) => settled((waiter, key) => waiter.resolve(found.get(key))),
        (error: unknown) => settled((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        this.running -= 1;
        this.scheduleFlush();
      });
  }
}
