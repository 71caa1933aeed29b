import { Worker } from "node:worker_threads";
import type { PanelWorkerData } from "./panel-worker.js";
import { threadEntry } from "../../thread-entry.js";

/**
 * Starts one panel thread: through a small tsx bootstrap when this module runs
 * from TypeScript sources, or the emitted panel-worker.js in a compiled build.
 */
export function spawnPanelThread(data: PanelWorkerData): Worker {
  return new Worker(threadEntry(import.meta.url, "panel-worker"), { workerData: data, name: "local-tagger-panel" });
}
