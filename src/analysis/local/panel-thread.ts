import { Worker } from "node:worker_threads";
import type { PanelWorkerData } from "./panel-worker.js";

/**
 * Starts one panel thread: through a small tsx bootstrap when this module runs
 * from TypeScript sources, or the emitted panel-worker.js in a compiled build.
 */
export function spawnPanelThread(data: PanelWorkerData): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./panel-worker.dev.mjs" : "./panel-worker.js", import.meta.url);
  return new Worker(entry, { workerData: data, name: "local-tagger-panel" });
}
