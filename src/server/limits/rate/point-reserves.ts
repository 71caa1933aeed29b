import type { Bucket, TakeResult } from "./rate-limit-store.js";

/** The shared buckets as reserves need them (RateLimitStore). */
export interface PointSource {
  take(subject: string, points: number, bucket: Bucket): Promise<TakeResult>;
  giveBack(subject: string, points: number, bucket: Bucket): Promise<void>;
}

export interface ReserveLogger {
  warn(object: object, message?: string): void;
}

/**
 * How long points taken ahead may wait to be spent before the rest goes back
 * to the bucket. It is also the limit's only slack: see PointReserves.
 */
export const RESERVE_HOLD_MS = 250;
/** The most a process takes ahead for one subject, as a share of the bucket. */
export const RESERVE_MAX_SHARE = 1 / 32;
/** A subject's state is forgotten after this long without a request (and with nothing reserved). */
const IDLE_MS = 10 * RESERVE_HOLD_MS;

/** One subject's points in this process. */
interface Reserve {
  /** Taken from the bucket, not spent yet. */
  points: number;
  /** When those points were taken. */
  takenAt: number;
  /** What the bucket held after this process's latest statement on it (by when it was sent: `sequence`), and when. */
  seen: { remaining: number; at: number; sequence: number } | null;
  /** Statements sent on the bucket so far: each one's number orders what it saw against the others'. */
  statements: number;
  /** Points admitted since `since`: the demand the next block is sized on. */
  spent: number;
  since: number;
  /** A block being taken; requests short of points wait for it rather than all asking at once. */
  refill: Promise<void> | null;
  /** Requests of the subject under way here: its state is not forgotten under them. */
  pending: number;
  /** The bucket had no room for a block lately: until then, each request takes exactly its cost. */
  blocksFrom: number;
  usedAt: number;
}

/**
 * Takes a busy subject's points from its shared bucket in blocks, so that
 * most requests cost no statement: a hot key's requests all updated the one
 * bucket row, which serialised them in PostgreSQL and cost the database more
 * than the read itself (bench:http). A block is what the subject spent in
 * this process over the last RESERVE_HOLD_MS, at most RESERVE_MAX_SHARE of
 * the bucket; a subject that spends less than one request's cost in that
 * time gets no block and each request takes exactly its cost, as before.
 *
 * What stays exact: every point admitted was taken from the shared bucket
 * first, by the same atomic statement; a point is spent at most
 * RESERVE_HOLD_MS after it was taken, and what is left then goes back.
 * What moves, and by how much at most:
 * - a request may be refused while other processes hold points of the
 *   subject's not spent yet: at most RESERVE_MAX_SHARE of the bucket each,
 *   for at most RESERVE_HOLD_MS;
 * - points taken from a full bucket start refilling when taken, not when
 *   spent, so over any period a subject may get RESERVE_HOLD_MS of refill
 *   more than an exact bucket would give (1/4 s; 125 points by default);
 * - `remaining` as a request reports it counts what this process holds and
 *   what the bucket held at its last statement, plus refill since; other
 *   processes' spending since is not in it.
 */
export class PointReserves {
  private readonly reserves = new Map<string, Reserve>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: PointSource,
    private readonly bucket: Bucket,
    private readonly logger: ReserveLogger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes `requested` points for the subject: from what this process holds, or from the bucket. */
  async take(subject: string, requested: number): Promise<TakeResult> {
    const reserve = this.reserveOf(subject);
    reserve.pending += 1;
    try {
      return await this.takeFor(subject, reserve, requested);
    } finally {
      reserve.pending -= 1;
    }
  }

  private async takeFor(subject: string, reserve: Reserve, requested: number): Promise<TakeResult> {
    for (;;) {
      const now = this.clock();
      reserve.usedAt = now;
      if (reserve.points > 0 && now - reserve.takenAt >= RESERVE_HOLD_MS) {
        // Too old to spend: back to the bucket before this request looks at it.
        await this.giveBack(subject, reserve);
        continue;
      }
      if (reserve.points > 0 && reserve.points >= requested) {
        reserve.points -= requested;
        reserve.spent += requested;
        return { taken: true, remaining: this.remaining(reserve, now, requested) };
      }
      if (reserve.refill) {
        await reserve.refill;
        continue;
      }
      const block = now >= reserve.blocksFrom ? this.blockFor(reserve, requested, now) : 0;
      if (block > 0) {
        const taken = await this.takeBlock(subject, reserve, requested, block, now);
        if (taken) return taken;
      }
      return this.takeExactly(subject, reserve, requested);
    }
  }

  /** Gives back everything held (the process is stopping); new requests are not expected. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.reserves].map(([subject, reserve]) => this.giveBack(subject, reserve)));
    this.reserves.clear();
  }

  private reserveOf(subject: string): Reserve {
    let reserve = this.reserves.get(subject);
    if (!reserve) {
      const now = this.clock();
      reserve = { points: 0, takenAt: now, seen: null, statements: 0, spent: 0, since: now, refill: null, pending: 0, blocksFrom: 0, usedAt: now };
      this.reserves.set(subject, reserve);
    }
    this.timer ??= setInterval(() => this.sweep(), RESERVE_HOLD_MS).unref();
    return reserve;
  }

  /**
   * The demand of the last window, scaled to RESERVE_HOLD_MS; none when it
   * would not cover this request (a quiet subject takes exactly its cost).
   */
  private blockFor(reserve: Reserve, requested: number, now: number): number {
    const elapsed = Math.max(1, now - reserve.since);
    const wanted = Math.floor((reserve.spent / elapsed) * RESERVE_HOLD_MS);
    if (elapsed >= RESERVE_HOLD_MS) {
      reserve.spent = 0;
      reserve.since = now;
    }
    const block = Math.min(wanted, Math.floor(this.bucket.capacity * RESERVE_MAX_SHARE));
    return block >= Math.max(1, requested) ? block : 0;
  }

  /**
   * This request's points (what is held, and the rest from the bucket) and
   * a block beyond them, in one statement. Null when the bucket has no room
   * for the block: the request then takes exactly its cost.
   */
  private async takeBlock(subject: string, reserve: Reserve, requested: number, block: number, startedAt: number): Promise<TakeResult | null> {
    const own = { points: reserve.points, takenAt: reserve.takenAt };
    reserve.points = 0;
    let outcome: TakeResult | null = null;
    let failure: unknown = null;
    const refill = (async () => {
      try {
        const sequence = ++reserve.statements;
        const take = await this.source.take(subject, requested - own.points + block, this.bucket);
        see(reserve, take.remaining, this.clock(), sequence);
        if (take.taken) {
          hold(reserve, block, startedAt);
          reserve.spent += requested;
          outcome = { taken: true, remaining: this.remaining(reserve, this.clock(), requested) };
        } else {
          hold(reserve, own.points, own.takenAt);
          reserve.blocksFrom = this.clock() + RESERVE_HOLD_MS;
        }
      } catch (error) {
        hold(reserve, own.points, own.takenAt);
        failure = error;
      }
    })();
    reserve.refill = refill;
    await refill;
    reserve.refill = null;
    if (failure) throw failure;
    return outcome;
  }

  /** One statement for this request's cost, less what this process holds of it. */
  private async takeExactly(subject: string, reserve: Reserve, requested: number): Promise<TakeResult> {
    const own = { points: Math.min(reserve.points, requested), takenAt: reserve.takenAt };
    reserve.points -= own.points;
    let take: TakeResult;
    const sequence = ++reserve.statements;
    try {
      take = await this.source.take(subject, requested - own.points, this.bucket);
    } catch (error) {
      hold(reserve, own.points, own.takenAt);
      throw error;
    }
    see(reserve, take.remaining, this.clock(), sequence);
    if (take.taken) reserve.spent += requested;
    else hold(reserve, own.points, own.takenAt);
    return take.taken ? { taken: true, remaining: this.remaining(reserve, this.clock(), requested) } : { ...take, remaining: Math.min(this.bucket.capacity, take.remaining + reserve.points) };
  }

  /**
   * What a request that just took `requested` points reports as left: the
   * bucket as last seen, its refill since, and what this process holds; never
   * more than a full bucket less this request's points.
   */
  private remaining(reserve: Reserve, now: number, requested: number): number {
    const seen = reserve.seen ?? { remaining: 0, at: now };
    const refilled = Math.floor(((now - seen.at) / 1000) * this.bucket.refillPerSecond);
    return Math.min(this.bucket.capacity - requested, seen.remaining + refilled + reserve.points);
  }

  private async giveBack(subject: string, reserve: Reserve): Promise<void> {
    const points = reserve.points;
    reserve.points = 0;
    if (points <= 0) return;
    try {
      await this.source.giveBack(subject, points, this.bucket);
    } catch (error) {
      // Lost to the subject: its limit is the stricter for a moment, never the looser.
      this.logger.warn({ err: error, points }, "could not give rate-limit points back to the bucket");
    }
  }

  /** Gives back what waited too long, and forgets subjects gone quiet. */
  private sweep(): void {
    const now = this.clock();
    for (const [subject, reserve] of this.reserves) {
      if (reserve.refill || reserve.pending > 0) continue;
      if (reserve.points > 0 && now - reserve.takenAt >= RESERVE_HOLD_MS) void this.giveBack(subject, reserve);
      else if (reserve.points === 0 && now - reserve.usedAt >= IDLE_MS) this.reserves.delete(subject);
    }
    if (this.reserves.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

/**
 * Keeps what a statement saw of the bucket unless a statement sent after it
 * was answered first: statements run side by side on several connections,
 * and an older view with the newer block held on top would count that block
 * twice (a request reported the bucket full while the block was out).
 */
function see(reserve: Reserve, remaining: number, at: number, sequence: number): void {
  if (reserve.seen && reserve.seen.sequence > sequence) return;
  reserve.seen = { remaining, at, sequence };
}

/** Adds points to what is held; the whole goes back when the oldest of it is due, so none is spent late. */
function hold(reserve: Reserve, points: number, takenAt: number): void {
  if (points <= 0) return;
  reserve.takenAt = reserve.points > 0 ? Math.min(reserve.takenAt, takenAt) : takenAt;
  reserve.points += points;
}
