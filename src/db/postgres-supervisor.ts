import { setTimeout as sleep } from "node:timers/promises";
import type { RunningPostgres } from "./embedded-postgres.js";
import { EmbeddedPostgresLostError } from "./errors.js";
import type { PostmasterExit } from "./postmaster-exit.js";

export interface SupervisorOptions {
  /** Starts the server on the same data folder and port; it clears a stale postmaster.pid first. */
  start: () => Promise<RunningPostgres>;
  /** Starts tried after one death before giving up. */
  tries: number;
  /** Wait before the first try, doubled before each next one. */
  backoffMs: number;
  log: {
    info(object: object, message: string): void;
    warn(object: object, message: string): void;
    error(object: object, message: string): void;
  };
  /** Called once, when the server stays down after every try: the app should stop and exit non-zero. */
  onGiveUp: (error: EmbeddedPostgresLostError) => void;
}

export interface SupervisedPostgres {
  /** Stops supervising, waits for a restart in flight, then stops the server if it runs. */
  stop(): Promise<void>;
}

/**
 * Restarts the embedded PostgreSQL when its postmaster dies (the OOM killer,
 * a stray kill), on the same data folder and port, so the pools of the ORM,
 * pg-boss and the event bus find it again by themselves. Meanwhile requests
 * get DATABASE_UNAVAILABLE and /health says 503. The first try waits a
 * little: the dead postmaster's backends must exit before a new one may
 * take the shared memory. When every try fails, the problem is not one
 * this process can fix (port taken, data folder broken, disk full), so it
 * hands over to whatever restarts the whole app.
 */
export function supervisePostgres(first: RunningPostgres, options: SupervisorOptions): SupervisedPostgres {
  const { start, tries, backoffMs, log, onGiveUp } = options;
  let current = first;
  let stopping = false;
  let restarting: Promise<void> | null = null;
  // Cuts a backoff wait short at shutdown, so a signal is not kept waiting.
  const shutdown = new AbortController();

  const restart = async (exit: PostmasterExit): Promise<void> => {
    log.error({ exit }, "embedded PostgreSQL exited unexpectedly; restarting it");
    let lastError: unknown;
    for (let attempt = 1; attempt <= tries; attempt += 1) {
      const waitMs = backoffMs * 2 ** (attempt - 1);
      log.info({ attempt, tries, waitMs }, "restarting embedded PostgreSQL");
      await sleep(waitMs, undefined, { signal: shutdown.signal }).catch(() => {});
      if (stopping) return;
      try {
        current = await start();
        log.info({ attempt }, "embedded PostgreSQL is back");
        watch(current);
        return;
      } catch (error) {
        lastError = error;
        log.warn({ err: error, attempt, tries }, "embedded PostgreSQL did not restart");
      }
    }
    if (stopping) return;
    onGiveUp(new EmbeddedPostgresLostError(`embedded PostgreSQL did not come back after ${tries} tries`, { tries }, { cause: lastError }));
  };

  const watch = (server: RunningPostgres) => {
    void server.exited.then((exit) => {
      if (stopping || server !== current) return;
      restarting = restart(exit)
        .catch((error: unknown) => log.error({ err: error }, "embedded PostgreSQL supervisor failed"))
        .finally(() => (restarting = null));
    });
  };

  watch(first);
  return {
    stop: async () => {
      stopping = true;
      shutdown.abort();
      await restarting;
      await current.stop();
    },
  };
}
