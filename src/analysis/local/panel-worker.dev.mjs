// Entry of a panel thread when running from TypeScript sources (tsx, vitest).
// A new thread has none of its parent's loaders, and in Node 20 an --import
// flag in the worker's execArgv does not help a .ts entry; so this thread
// registers tsx itself, then loads the real worker. A compiled build starts
// panel-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./panel-worker.ts");
