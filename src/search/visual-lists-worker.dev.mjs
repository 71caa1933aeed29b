// Entry of the lists thread when running from TypeScript sources (tsx, vitest):
// a new thread has none of its parent's loaders, so it registers tsx itself
// (as analysis/local/panel-worker.dev.mjs does). A compiled build starts
// visual-lists-worker.js directly.
import { register } from "tsx/esm/api";

register();
await import("./visual-lists-worker.ts");
