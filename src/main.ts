import { startApp } from "./app.js";
import { loadConfig } from "./config.js";
import { stopOnSignals } from "./stop-on-signals.js";

/** `npm start`: read the environment once, start the API (and, by default, its workers), stop cleanly on a signal. */
const starting = startApp(loadConfig());
stopOnSignals(starting);
await starting;
