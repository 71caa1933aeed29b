import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import type { SerializedError } from "../../src/analysis/local/workers/job-protocol.js";
import { WorkerPool, type WorkerPoolOptions } from "../../src/analysis/local/workers/worker-pool.js";
import { waitFor } from "../support/wait-for.js";

/** The pool that runs the panel, with tiny fixture threads instead of models. */

type Job =
  | { action: "echo"; value: string }
  | { action: "slow"; value: string; ms: number }
  | { action: "fail" | "throw-in-thread" | "exit" | "spin" };

class RevivedError extends Error {
  constructor(readonly serialized: SerializedError) {
    super(serialized.message);
  }
}
class CrashError extends Error {}
class UnavailableError extends Error {}

const WORKER = new URL("../fixtures/pool-worker.mjs", import.meta.url);
const BROKEN_WORKER = new URL("../fixtures/pool-worker-broken.mjs", import.meta.url);

const pools: Array<WorkerPool<Job, string, string>> = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function createPool(overrides: Partial<WorkerPoolOptions> & { workerData?: object } = {}): WorkerPool<Job, string, string> {
  const { workerData, ...options } = overrides;
  const pool = new WorkerPool<Job, string, string>({
    size: 1,
    spawn: () => new Worker(WORKER, { workerData }),
    warmUp: false,
    reviveError: (error) => new RevivedError(error),
    crashError: (detail) => new CrashError(detail),
    unavailableError: (reason) => new UnavailableError(reason),
    ...options,
  });
  pools.push(pool);
  return pool;
}

describe("WorkerPool", () => {
  it("runs jobs in a thread, relays progress and queues what does not fit", async () => {
    const pool = createPool();
    const progress: string[] = [];
    const results = await Promise.all([
      pool.run({ action: "slow", value: "first", ms: 50 }),
      pool.run({ action: "echo", value: "second" }, { onProgress: (step) => progress.push(step) }),
    ]);
    expect(results).toEqual(["first", "second"]);
    expect(progress).toEqual(["halfway"]);
  });

  it("turns a job's error back into a typed error", async () => {
    const pool = createPool();
    const error = await pool.run({ action: "fail" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RevivedError);
    expect((error as RevivedError).serialized).toMatchObject({ code: "IMAGE_ANALYSIS_FAILED", details: { why: "test" } });
  });

  it.each(["throw-in-thread", "exit"] as const)("fails only the job whose thread died (%s), and replaces the thread", async (action) => {
    const pool = createPool();
    await expect(pool.run({ action })).rejects.toBeInstanceOf(CrashError);
    await expect(pool.run({ action: "echo", value: "still here" })).resolves.toBe("still here");
    expect(pool.health().replacedWorkers).toBe(1);
  });

  it("gives up when threads die as they start, and says why", async () => {
    const pool = createPool({ spawn: () => new Worker(BROKEN_WORKER), warmUp: true });
    await waitFor(() => pool.health().brokenReason !== null);
    expect(pool.health().brokenReason).toMatch(/cannot start/);
    await expect(pool.run({ action: "echo", value: "x" })).rejects.toBeInstanceOf(UnavailableError);
  });

  it("reports warm threads, and a failed warm-up", async () => {
    const warm = createPool({ warmUp: true });
    await waitFor(() => warm.health().warm === 1);
    const cold = createPool({ warmUp: true, workerData: { failWarmUp: true } });
    await waitFor(() => cold.health().warmUpError !== null);
    expect(cold.health()).toMatchObject({ warm: 0, warmUpError: "no model here" });
  });

  it("drops an aborted job from the queue with the signal's reason", async () => {
    const pool = createPool();
    const running = pool.run({ action: "slow", value: "kept", ms: 100 });
    const controller = new AbortController();
    const queued = pool.run({ action: "echo", value: "dropped" }, { signal: controller.signal });
    controller.abort(new Error("not wanted"));
    await expect(queued).rejects.toThrow("not wanted");
    await expect(running).resolves.toBe("kept");
  });

  it("survives a progress listener that throws", async () => {
    const pool = createPool();
    const listener = () => {
      throw new Error("listener bug");
    };
    await expect(pool.run({ action: "echo", value: "fine" }, { onProgress: listener })).resolves.toBe("fine");
  });

  it("fails running and queued jobs on close, and refuses new ones", async () => {
    const pool = createPool();
    const outcomes = Promise.allSettled([pool.run({ action: "slow", value: "never", ms: 5_000 }), pool.run({ action: "echo", value: "never" })]);
    await pool.close();
    for (const outcome of await outcomes) {
      expect(outcome.status).toBe("rejected");
      expect(outcome.status === "rejected" && outcome.reason).toBeInstanceOf(UnavailableError);
    }
    await expect(pool.run({ action: "echo", value: "late" })).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe("WorkerPool stopping work past its deadline", () => {
  /** A spinning job adds to this counter for as long as its thread runs. */
  function heartbeat() {
    const buffer = new SharedArrayBuffer(4);
    const beats = new Int32Array(buffer);
    return { buffer, read: () => Atomics.load(beats, 0) };
  }

  async function expectStopped(beats: () => number): Promise<void> {
    const before = beats();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(beats()).toBe(before);
  }

  it("terminates the thread of an aborted running job, and runs the queued job on a fresh one", async () => {
    const beats = heartbeat();
    const pool = createPool({ workerData: { heartbeat: beats.buffer } });
    const deadline = new AbortController();
    const stuck = pool.run({ action: "spin" }, { signal: deadline.signal });
    const queued = pool.run({ action: "echo", value: "next" });
    await waitFor(() => beats.read() > 0);

    deadline.abort(new Error("past its deadline"));
    await expect(stuck).rejects.toThrow("past its deadline");
    await expect(queued).resolves.toBe("next");
    await expectStopped(beats.read);
    expect(pool.health()).toMatchObject({ size: 1, threads: 1, stoppedWorkers: 1, replacedWorkers: 1, brokenReason: null });
  });

  it("stops only the stuck thread: the other thread's job finishes, and the pool keeps its size", async () => {
    const beats = heartbeat();
    const pool = createPool({ size: 2, workerData: { heartbeat: beats.buffer } });
    const deadline = new AbortController();
    const stuck = pool.run({ action: "spin" }, { signal: deadline.signal });
    const neighbour = pool.run({ action: "slow", value: "neighbour", ms: 600 });
    await waitFor(() => beats.read() > 0);

    deadline.abort(new Error("past its deadline"));
    await expect(stuck).rejects.toThrow("past its deadline");
    await expect(neighbour).resolves.toBe("neighbour");
    await expectStopped(beats.read);
    expect(pool.health()).toMatchObject({ threads: 2, stoppedWorkers: 1 });
    await expect(Promise.all([pool.run({ action: "echo", value: "a" }), pool.run({ action: "echo", value: "b" })])).resolves.toEqual(["a", "b"]);
  });

  it("is not taken for broken by threads it stops itself, however many in a row", async () => {
    const beats = heartbeat();
    const pool = createPool({ workerData: { heartbeat: beats.buffer } });
    for (let round = 0; round < 4; round++) {
      const deadline = new AbortController();
      const stuck = pool.run({ action: "spin" }, { signal: deadline.signal });
      const spinning = beats.read();
      await waitFor(() => beats.read() > spinning);
      deadline.abort(new Error(`round ${round}`));
      await expect(stuck).rejects.toThrow(`round ${round}`);
    }
    expect(pool.health()).toMatchObject({ threads: 1, stoppedWorkers: 4, brokenReason: null });
    await expect(pool.run({ action: "echo", value: "alive" })).resolves.toBe("alive");
  });

  it("says when a thread has begun a job, after its warm-up, so a deadline can count from there", async () => {
    const pool = createPool();
    const events: string[] = [];
    const result = await pool.run({ action: "echo", value: "x" }, { onStart: () => events.push("started"), onProgress: () => events.push("progress") });
    expect(result).toBe("x");
    expect(events).toEqual(["started", "progress"]);
  });
});
