import { Worker } from "node:worker_threads";
import { threadEntry } from "../thread-entry.js";
import type { TrainedLists } from "./visual-lists.js";
import type { ListsReply, ListsRequest } from "./visual-lists-worker.js";

type Pending = { resolve: (reply: ListsReply) => void; reject: (error: Error) => void };
type Body<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * One thread for one index build: trainLists and nearestLists off the
 * event loop (visual-lists-worker.ts says why). Vectors go in as stored.
 */
export class VisualListsThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor() {
    this.worker = new Worker(threadEntry(import.meta.url, "visual-lists-worker"), { name: "visual-lists" });
    this.worker.on("message", (reply: ListsReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!pending) return;
      if ("error" in reply) pending.reject(new Error(`visual lists thread: ${reply.error}`));
      else pending.resolve(reply);
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`visual lists thread exited (code ${code})`)));
  }

  async train(vectors: string[], k: number, seed: number): Promise<TrainedLists> {
    const reply = await this.ask({ type: "train", vectors, k, seed });
    if (!("lists" in reply)) throw new Error("visual lists thread: no lists in its reply");
    return reply.lists;
  }

  /** Each vector's nearest list, in order. */
  async assign(lists: TrainedLists, vectors: string[]): Promise<Int32Array> {
    const reply = await this.ask({ type: "assign", vectors, lists });
    if (!("assignment" in reply)) throw new Error("visual lists thread: no assignment in its reply");
    return reply.assignment;
  }

  async close(): Promise<void> {
    this.failure ??= new Error("visual lists thread closed");
    await this.worker.terminate();
  }

  private ask(request: Body<ListsRequest>): Promise<ListsReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id } as ListsRequest);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
