import { authorize } from "../../../auth/request-auth.js";
import { scopeRequirements } from "../../../graphql/auth/requires-scope.js";
import type { RequestContext } from "../../../graphql/context.js";
import { CostBudgetRefusal, type CostBudget, type CostBudgetState, type PricedOperation } from "../cost-budget.js";
import { operationDemand } from "./operation-demand.js";
import { PointReserves } from "./point-reserves.js";
import type { Bucket, RateLimitStore } from "./rate-limit-store.js";
import type { RateLimits } from "./rate-limits.js";
import { rateLimitedError, type RateLimitRefusal } from "./rate-limited.js";
import { rateLimitSubject } from "./subject.js";

export interface RateLimiterLogger {
  warn(object: object, message?: string): void;
}

/** What a request holds between take() and settle(). */
interface Admission {
  subject: string;
  leaseId: string | null;
}

// Nobody can say when a queued analysis or a running upload will finish: a hint for when to look again.
const RETRY_AFTER_PENDING_MS = 5_000;
const RETRY_AFTER_UPLOADS_MS = 1_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Rate limits by cost, per API key, or per client address for anonymous
 * requests, held in PostgreSQL so that every API process on the database
 * draws on the same buckets (rate-limit-store.ts). Plugged in as the server's
 * CostBudget: asked once per operation, after its cost is known to be within
 * the per-request maximum and before anything runs.
 * - Points: a bucket of `bucketPoints` refilled at `refillPerSecond`; an
 *   operation takes its requested cost (Shopify's calculated query cost).
 *   A busy subject's points are taken in blocks per process
 *   (point-reserves.ts, which says how exact that stays); operations with
 *   a lease take theirs one at a time, with the lease.
 * - An operation that uploads or queues an analysis also takes a lease, so a
 *   subject has at most `maxConcurrentUploads` uploads running and at most
 *   `maxPendingAnalyses` analyses unfinished, those being queued included.
 * A refusal is RATE_LIMITED (429, Retry-After) and takes nothing.
 */
export class RateLimiter implements CostBudget<RequestContext> {
  private readonly admissions = new WeakMap<RequestContext, Promise<Admission | null>>();
  private lastSweep = 0;
  /** Points taken from the buckets ahead, so that a busy key's requests mostly cost no statement. */
  private readonly reserves: PointReserves;
  /** Every subject's bucket: its size and refill. */
  private readonly bucket: Bucket;

  constructor(
    private readonly store: RateLimitStore,
    private readonly limits: RateLimits,
    private readonly logger: RateLimiterLogger,
  ) {
    this.bucket = { capacity: limits.bucketPoints, refillPerSecond: limits.refillPerSecond };
    this.reserves = new PointReserves(store, this.bucket, logger);
  }

  /** Gives back the points taken ahead, for other processes to spend; once no request comes any more. */
  close(): Promise<void> {
    return this.reserves.close();
  }

  take(requested: number, context: RequestContext, priced: PricedOperation): Promise<CostBudgetState> {
    this.sweepNow();
    const full = { remaining: this.limits.bucketPoints, maximum: this.limits.bucketPoints };
    // The scopes plugin refuses this request at the same time (Apollo runs the hooks together): take nothing for it.
    if (!isAuthorized(context, priced)) return Promise.resolve(full);
    const admitted = this.admit(requested, context, priced);
    // settle() waits for the lease even if the response is sent before take() returns.
    this.admissions.set(
      context,
      admitted.then(
        ({ admission }) => admission,
        () => null,
      ),
    );
    return admitted.then(({ state }) => state);
  }

  async settle(context: RequestContext): Promise<void> {
    const admission = await this.admissions.get(context);
    this.admissions.delete(context);
    if (!admission?.leaseId) return;
    try {
      await this.store.release(admission.leaseId, admission.subject, context.queuedAnalyses);
    } catch (error) {
      // The lease expires by itself (leaseTtlMs); the request has its answer already.
      this.logger.warn({ err: error, leaseId: admission.leaseId }, "could not release a rate-limit lease");
    }
  }

  private async admit(requested: number, context: RequestContext, priced: PricedOperation): Promise<{ state: CostBudgetState; admission: Admission }> {
    const { limits } = this;
    const subject = rateLimitSubject(context.auth, context.clientAddress);
    const demand = priced.operation ? operationDemand(priced.schema, priced.document, priced.operation) : { uploads: 0, analyses: 0 };
    if (demand.uploads === 0 && demand.analyses === 0) {
      const take = await this.reserves.take(subject, requested);
      if (!take.taken) this.refuse(requested, { limit: "points", maximum: limits.bucketPoints, current: take.remaining, ...take });
      return { state: { remaining: take.remaining, maximum: limits.bucketPoints }, admission: { subject, leaseId: null } };
    }
    const outcome = await this.store.takeWithLease(subject, requested, this.bucket, { ...demand, ttlMs: limits.leaseTtlMs }, (inFlight): Omit<RateLimitRefusal, "now"> | null => {
      if (demand.uploads > 0 && inFlight.uploads + demand.uploads > limits.maxConcurrentUploads) {
        return { limit: "concurrentUploads", maximum: limits.maxConcurrentUploads, current: inFlight.uploads, retryAfterMs: RETRY_AFTER_UPLOADS_MS };
      }
      if (demand.analyses > 0 && inFlight.analyses + demand.analyses > limits.maxPendingAnalyses) {
        return { limit: "pendingAnalyses", maximum: limits.maxPendingAnalyses, current: inFlight.analyses, retryAfterMs: RETRY_AFTER_PENDING_MS };
      }
      return null;
    });
    const { take } = outcome;
    if (!take.taken) this.refuse(requested, { limit: "points", maximum: limits.bucketPoints, current: take.remaining, ...take });
    // The points went back with the rolled-back transaction: the bucket is as it was before.
    if (outcome.refusal) this.refuse(requested, { ...outcome.refusal, now: new Date() }, Math.min(limits.bucketPoints, take.remaining + requested));
    return { state: { remaining: take.remaining, maximum: limits.bucketPoints }, admission: { subject, leaseId: outcome.leaseId } };
  }

  private refuse(requested: number, refusal: RateLimitRefusal, remaining = refusal.current): never {
    throw new CostBudgetRefusal(rateLimitedError(refusal, requested), { remaining, maximum: this.limits.bucketPoints });
  }

  /** Now and then, in the background: rows that no longer count are deleted (any process may do it). */
  private sweepNow(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    this.store.sweep().catch((error: unknown) => this.logger.warn({ err: error }, "rate-limit sweep failed; will try again"));
  }
}

/** Whether the request's key (or its absence) may run every root field; the scopes plugin refuses it otherwise. */
function isAuthorized(context: RequestContext, priced: PricedOperation): boolean {
  try {
    authorize(context.auth, priced.operation ? scopeRequirements(priced.schema, priced.document, priced.operation) : []);
    return true;
  } catch {
    return false;
  }
}
