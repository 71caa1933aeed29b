/**
 * The thread that trains and assigns IVF lists (visual-lists-thread.ts):
 * parsing a catalogue's vectors and comparing them with thousands of
 * centroids takes the CPU for a minute at a million photos, which on the
 * API's own thread would stall every request meanwhile.
 */
import { parentPort } from "node:worker_threads";
import { parseEmbedding } from "./embedding-sql.js";
import { nearestLists, trainLists, type TrainedLists } from "./visual-lists.js";

/** Vectors travel as stored (cube text), so the parsing is the thread's too. */
export type ListsRequest =
  | { id: number; type: "train"; vectors: string[]; k: number; seed: number }
  | { id: number; type: "assign"; vectors: string[]; lists: TrainedLists };

export type ListsReply = { id: number; lists: TrainedLists } | { id: number; assignment: Int32Array } | { id: number; error: string };

parentPort!.on("message", (request: ListsRequest) => {
  try {
    if (request.type === "train") {
      parentPort!.postMessage({ id: request.id, lists: trainLists(request.vectors.map(parseEmbedding), request.k, { seed: request.seed }) } satisfies ListsReply);
      return;
    }
    const { dimension } = request.lists;
    const vectors = new Float32Array(request.vectors.length * dimension);
    request.vectors.forEach((text, row) => vectors.set(parseEmbedding(text), row * dimension));
    const assignment = nearestLists(request.lists, vectors, request.vectors.length);
    parentPort!.postMessage({ id: request.id, assignment } satisfies ListsReply, [assignment.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies ListsReply);
  }
});
