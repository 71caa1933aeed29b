import type { MikroORM } from "@mikro-orm/postgresql";
import type { Embedder } from "../analysis/embedding.js";
import type { Tagger } from "../analysis/tagger.js";
import { pendingMigrations } from "../db/orm.js";

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

/** One thing the process needs before it should be sent traffic. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<CheckResult>;
}

export interface ReadinessReport {
  ready: boolean;
  /** The names of the checks that failed, for a reader who wants only that. */
  notReady: string[];
  checks: Record<string, CheckResult>;
}

/**
 * Runs every check at once, each within `timeoutMs` (a check that takes
 * longer has failed: a load balancer's probe must get an answer).
 */
export function readiness(checks: readonly ReadinessCheck[], timeoutMs: number): () => Promise<ReadinessReport> {
  return async () => {
    const results = await Promise.all(checks.map(async ({ name, check }) => [name, await withTimeout(check(), timeoutMs)] as const));
    return {
      ready: results.every(([, result]) => result.ok),
      notReady: results.filter(([, result]) => !result.ok).map(([name]) => name),
      checks: Object.fromEntries(results),
    };
  };
}

async function withTimeout(check: Promise<CheckResult>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => (timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs)));
  const settled = check.catch((error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }));
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

/** PostgreSQL answers a query through the ORM's pool. */
export function databaseCheck(orm: MikroORM): ReadinessCheck {
  return {
    name: "database",
    check: async () => ((await orm.isConnected()) ? { ok: true } : { ok: false, detail: "PostgreSQL does not answer" }),
  };
}

/**
 * Every migration this code has is applied. Known at start (the app applies
 * them as it starts); looked at again at most every `recheckMs`, since
 * another process (an older or newer deployment, a restored backup) may
 * change the table. When the database cannot be asked, the last answer
 * stands: the database check reports the outage.
 */
export function migrationsCheck(orm: MikroORM, pendingAtStart: readonly string[], recheckMs: number): ReadinessCheck {
  let known = { pending: [...pendingAtStart], at: Date.now() };
  return {
    name: "migrations",
    check: async () => {
      if (Date.now() - known.at >= recheckMs) {
        known.at = Date.now(); // one re-check at a time, even when probes come in a burst
        known = await pendingMigrations(orm).then((pending) => ({ pending, at: Date.now() }), () => known);
      }
      return known.pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${known.pending.join(", ")}` };
    },
  };
}

/**
 * The tagger's (and the embedder's) models are loaded. A process with no
 * tagger configured (TAGGER=none) was set up so on purpose: that is not a
 * reason to hold traffic back.
 */
export function analysersCheck(tagger: Tagger, embedder: Embedder | null): ReadinessCheck {
  return {
    name: "analysers",
    check: async () => {
      const parts = [tagger.configured ? tagger.health() : { name: "none", ready: true, detail: "no tagger configured" }];
      if (embedder) parts.push(embedder.health());
      const waiting = parts.filter((part) => !part.ready);
      const described = parts.map((part) => `${part.name}: ${part.detail ?? (part.ready ? "ready" : "not ready")}`).join("; ");
      return { ok: waiting.length === 0, detail: described };
    },
  };
}
