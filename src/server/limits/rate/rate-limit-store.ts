import { z } from "zod";

/** Runs one SQL statement with `?` placeholders and returns its rows. */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<unknown[]>;

/** The database as the store needs it: single statements, and a transaction on one connection. */
export interface RateLimitDatabase {
  run: SqlRunner;
  transaction<T>(work: (run: SqlRunner) => Promise<T>): Promise<T>;
}

/** A bucket's refill, in the seconds GCRA counts in. */
export interface Bucket {
  capacity: number;
  refillPerSecond: number;
}

export type TakeResult =
  | { taken: true; remaining: number }
  | { taken: false; remaining: number; retryAfterMs: number; now: Date };

/** What a subject has running or queued (leases, and claimed analyses not finished). */
export interface InFlight {
  uploads: number;
  analyses: number;
}

const takeRow = z.object({
  debt_after: z.number().nullable(),
  debt_before: z.number().nullable(),
  now_ms: z.coerce.number(),
});
const inFlightRow = z.object({ uploads: z.number(), analyses: z.number() });
const idRow = z.object({ id: z.string() });

/**
 * The point bucket as GCRA keeps it: one timestamp per subject, when the
 * bucket will be full again. Its "debt" (full_at - now, never below zero)
 * times the refill rate is the points missing. Taking n points moves full_at
 * n / rate seconds on, if the debt stays within capacity / rate. One
 * statement, so concurrent requests of one subject, in any process, are
 * serialised by PostgreSQL's row lock and never both spend the same points.
 * The clock is the database's: every process agrees on it.
 *
 * The outer select reads the row as it was before the statement: when
 * nothing was taken, that is how far the bucket is from holding the request.
 */
const TAKE = `
  with taken as (
    insert into rate_limit_bucket as b (subject, full_at)
    values (?, now() + make_interval(secs => ?::float8))
    on conflict (subject) do update
      set full_at = greatest(b.full_at, now()) + make_interval(secs => ?::float8)
      where greatest(b.full_at, now()) + make_interval(secs => ?::float8) <= now() + make_interval(secs => ?::float8)
    returning full_at
  )
  select
    (select extract(epoch from full_at - now())::float8 from taken) as debt_after,
    (select extract(epoch from greatest(full_at, now()) - now())::float8 from rate_limit_bucket where subject = ?) as debt_before,
    (extract(epoch from now()) * 1000)::float8 as now_ms`;

/**
 * Points taken ahead and not spent go back: full_at moves that much earlier,
 * never before now (a bucket holds no more than full). A full bucket is left alone.
 */
const GIVE_BACK = `
  update rate_limit_bucket
    set full_at = greatest(full_at - make_interval(secs => ?::float8), now())
    where subject = ? and full_at > now()`;

const IN_FLIGHT = `
  select
    coalesce((select sum(uploads) from rate_limit_lease where subject = ? and expires_at > now()), 0)::int as uploads,
    (coalesce((select sum(analyses) from rate_limit_lease where subject = ? and expires_at > now()), 0)
      + (select count(*) from rate_limit_analysis_claim c join analysis a on a.id = c.analysis_id
         where c.subject = ? and a.status in ('PENDING', 'RUNNING')))::int as analyses`;

/**
 * The analyses the operation queued become the subject's claims, and its
 * lease goes, in one statement: the analyses are counted all along, as a
 * lease's and then as claims. An analysis that already finished is not claimed.
 */
const RELEASE = `
  with claimed as (
    insert into rate_limit_analysis_claim (analysis_id, subject)
    select a.id, ? from analysis a where a.product_id = any(?::uuid[]) and a.status in ('PENDING', 'RUNNING')
    on conflict (analysis_id) do update set subject = excluded.subject
    returning 1
  ), released as (
    delete from rate_limit_lease where id = ? returning 1
  )
  select (select count(*) from claimed)::int as claimed`;

/** SQL of the rate limiter's tables (migrations/Migration20261202000000_rate_limits.ts); no rules. */
export class RateLimitStore {
  constructor(private readonly db: RateLimitDatabase) {}

  /** Takes `points` from the subject's bucket, or nothing when it holds fewer. */
  take(subject: string, points: number, bucket: Bucket, run: SqlRunner = this.db.run): Promise<TakeResult> {
    return takePoints(run, subject, points, bucket);
  }

  /** Returns points taken and not spent (point-reserves.ts). */
  async giveBack(subject: string, points: number, bucket: Bucket): Promise<void> {
    await this.db.run(GIVE_BACK, [points / bucket.refillPerSecond, subject]);
  }

  /**
   * Takes the points and leases the uploads and analyses in one transaction,
   * holding the bucket row's lock: a subject's operations are admitted one
   * at a time, so no two can both see room for one more. `admit` sees what is
   * in flight and says whether there is room; when it says no, the points go back.
   */
  async takeWithLease<R>(
    subject: string,
    points: number,
    bucket: Bucket,
    lease: { uploads: number; analyses: number; ttlMs: number },
    admit: (inFlight: InFlight) => R | null,
  ): Promise<{ take: TakeResult; refusal: R | null; leaseId: string | null }> {
    const outcome = await this.db
      .transaction(async (run) => {
        const take = await takePoints(run, subject, points, bucket);
        if (!take.taken) return { take, refusal: null, leaseId: null };
        const inFlight = inFlightRow.parse((await run(IN_FLIGHT, [subject, subject, subject]))[0]);
        const refusal = admit(inFlight);
        if (refusal !== null) throw new RolledBack({ take, refusal, leaseId: null });
        const [row] = await run(
          "insert into rate_limit_lease (subject, uploads, analyses, expires_at) values (?, ?, ?, now() + make_interval(secs => ?::float8)) returning id",
          [subject, lease.uploads, lease.analyses, lease.ttlMs / 1000],
        );
        return { take, refusal: null, leaseId: idRow.parse(row).id };
      })
      .catch((error: unknown) => {
        if (error instanceof RolledBack) return error.outcome;
        throw error;
      });
    return outcome as { take: TakeResult; refusal: R | null; leaseId: string | null };
  }

  /** Ends a lease; the products' analyses still unfinished are claimed by the subject. */
  async release(leaseId: string, subject: string, productIds: readonly string[]): Promise<void> {
    // An array literal bound as one parameter (the driver would spread a JS array); ids are uuids.
    await this.db.run(RELEASE, [subject, `{${productIds.join(",")}}`, leaseId]);
  }

  /** Deletes what no longer counts: full buckets (the same as none), expired leases, claims of finished analyses. */
  async sweep(): Promise<void> {
    await this.db.run("delete from rate_limit_bucket where full_at < now() - interval '1 minute'");
    await this.db.run("delete from rate_limit_lease where expires_at <= now()");
    await this.db.run(
      "delete from rate_limit_analysis_claim c using analysis a where a.id = c.analysis_id and a.status in ('READY', 'FAILED')",
    );
  }
}

/** Carries a refusal's outcome out of the transaction, which it rolls back. */
class RolledBack extends Error {
  constructor(readonly outcome: unknown) {
    super("rolled back");
  }
}

async function takePoints(run: SqlRunner, subject: string, points: number, bucket: Bucket): Promise<TakeResult> {
  const cost = points / bucket.refillPerSecond;
  const capacity = bucket.capacity / bucket.refillPerSecond;
  const row = takeRow.parse((await run(TAKE, [subject, cost, cost, cost, capacity, subject]))[0]);
  const pointsFor = (debt: number) => Math.max(0, Math.floor(bucket.capacity - debt * bucket.refillPerSecond + 1e-9));
  if (row.debt_after !== null) return { taken: true, remaining: pointsFor(row.debt_after) };
  const debt = row.debt_before ?? 0;
  // Until the debt has come down far enough for this request to fit.
  const retryAfterMs = Math.max(0, (debt + cost - capacity) * 1000);
  return { taken: false, remaining: pointsFor(debt), retryAfterMs, now: new Date(row.now_ms) };
}
