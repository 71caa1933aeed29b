import { startApp } from "./app.js";
import { loadConfig } from "./config.js";

/** `npm start`: read the environment once, start, and stop cleanly on a signal. */
const app = await startApp(loadConfig());
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
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
