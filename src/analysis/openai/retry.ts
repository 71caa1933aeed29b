/** How often and how long to wait before trying a failed request again. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 means one attempt only. */
  maxRetries: number;
  /** First backoff wait; it doubles on every retry. */
  baseDelayMs: number;
  /** Cap on any single wait, including one asked for by Retry-After. */
  maxDelayMs: number;
}

export interface RetryDecision {
  retry: boolean;
  /** The wait the server asked for, if it did. */
  retryAfterMs?: number | undefined;
}

export interface RetryHooks {
  decide(error: unknown): RetryDecision;
  signal?: AbortSignal | undefined;
  onRetry?(event: { retry: number; waitMs: number; error: unknown }): void;
}

/**
 * Runs `attempt` until it succeeds, the error is not worth retrying, or the
 * retries run out; then throws the last error unchanged. An abort rejects at
 * once with the signal's reason, also in the middle of a wait.
 */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  for (let retry = 1; ; retry++) {
    hooks.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      hooks.signal?.throwIfAborted();
      const decision = hooks.decide(error);
      if (!decision.retry || retry > policy.maxRetries) throw error;
      const waitMs = retryWaitMs(retry, policy, decision.retryAfterMs);
      hooks.onRetry?.({ retry, waitMs, error });
      await sleep(waitMs, hooks.signal);
    }
  }
}

/** The server's wish when it gave one, else exponential backoff with jitter; capped either way. */
export function retryWaitMs(retry: number, policy: RetryPolicy, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const exponential = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  // Up to 25% less, so that clients rejected together do not return together.
  return Math.round(exponential * (1 - Math.random() * 0.25));
}

/** Reads `retry-after-ms` (milliseconds) or `Retry-After` (seconds or an HTTP date). */
export function retryAfterFromHeaders(headers: Headers | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
