import type { Worker } from "node:worker_threads";
import type { FromWorker, SerializedError, ToWorker } from "./job-protocol.js";

export interface WorkerPoolLogger {
  warn(obj: object, msg?: string): void;
}

export interface WorkerPoolOptions {
  size: number;
  /** Starts one thread that calls serveJobs(). */
  spawn: () => Worker;
  /** Ask every new thread to load its models at once rather than on its first job. */
  warmUp: boolean;
  /** Turns an error sent by a thread back into a typed error. */
  reviveError: (error: SerializedError) => Error;
  /** What a job gets when its thread dies under it. */
  crashError: (detail: string) => Error;
  /** What a job gets when the pool is closed or broken. */
  unavailableError: (reason: string) => Error;
  logger?: WorkerPoolLogger | undefined;
}

export interface RunOptions<Progress> {
  /**
   * Aborting drops a queued job; a running one cannot be interrupted inside
   * its thread, so the thread is terminated and a fresh one takes its place.
   */
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: Progress) => void) | undefined;
  /** Called when a thread has begun the job (its models loaded): the time before was spent waiting. */
  onStart?: (() => void) | undefined;
}

export interface WorkerPoolHealth {
  size: number;
  /** Threads alive now (started, not yet exited or stopped): the size, unless the pool is closed or broken. */
  threads: number;
  /** Threads that have loaded their models (answered a warm-up or finished a job). */
  warm: number;
  /** Why the last warm-up failed, until a thread warms up. */
  warmUpError: string | null;
  /** Why the pool gave up replacing threads; it runs no more jobs. */
  brokenReason: string | null;
  replacedWorkers: number;
  /** Threads terminated because a job running on them was aborted (its deadline passed). */
  stoppedWorkers: number;
}

interface Job<Payload, Result, Progress> {
  id: number;
  payload: Payload;
  onProgress: ((progress: Progress) => void) | undefined;
  onStart: (() => void) | undefined;
  settled: boolean;
  settle(outcome: { result: Result } | { error: unknown }): void;
}

interface Slot<Payload, Result, Progress> {
  worker: Worker;
  job: Job<Payload, Result, Progress> | null;
  warm: boolean;
  /** Said anything at all: a thread that dies before that never started properly. */
  spoke: boolean;
  lastError: Error | null;
  /** Terminated on purpose and already replaced: its exit is expected. */
  retired: boolean;
}

// Threads that die before saying anything, in a row: a broken install, not a bad photo.
const MAX_STARTUP_FAILURES = 3;

/**
 * A fixed number of worker threads, one job each at a time, the rest queued.
 * A thread that dies fails only its own job and is replaced; the process lives on.
 */
export class WorkerPool<Payload, Result, Progress> {
  private readonly slots = new Set<Slot<Payload, Result, Progress>>();
  private readonly queue: Job<Payload, Result, Progress>[] = [];
  private nextJobId = 1;
  private closed = false;
  private startupFailures = 0;
  private brokenReason: string | null = null;
  private warmUpError: string | null = null;
  private replacedWorkers = 0;
  private stoppedWorkers = 0;

  constructor(private readonly options: WorkerPoolOptions) {
    for (let index = 0; index < options.size; index++) this.startWorker();
  }

  run(payload: Payload, options: RunOptions<Progress> = {}): Promise<Result> {
    const { signal } = options;
    if (this.closed) return Promise.reject(this.options.unavailableError("the tagger is closed"));
    if (this.brokenReason) return Promise.reject(this.options.unavailableError(this.brokenReason));
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<Result>((resolve, reject) => {
      const onAbort = () => {
        const queued = this.queue.indexOf(job);
        if (queued >= 0) this.queue.splice(queued, 1);
        job.settle({ error: signal?.reason });
        // Inference cannot be interrupted from outside: the only way to really stop it is to end its thread.
        const running = [...this.slots].find((slot) => slot.job === job);
        if (running) this.stopWorker(running);
      };
      const job: Job<Payload, Result, Progress> = {
        id: this.nextJobId++,
        payload,
        onProgress: options.onProgress,
        onStart: options.onStart,
        settled: false,
        settle(outcome) {
          if (job.settled) return;
          job.settled = true;
          signal?.removeEventListener("abort", onAbort);
          if ("result" in outcome) resolve(outcome.result);
          else reject(outcome.error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  health(): WorkerPoolHealth {
    return {
      size: this.options.size,
      threads: this.slots.size,
      warm: [...this.slots].filter((slot) => slot.warm).length,
      warmUpError: this.warmUpError,
      brokenReason: this.brokenReason,
      replacedWorkers: this.replacedWorkers,
      stoppedWorkers: this.stoppedWorkers,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.settle({ error: this.options.unavailableError("the tagger is closed") });
    // Each exit handler fails the job its thread was running.
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.job = job;
      // Keep the process alive while a job runs; an idle pool must not hold it open.
      slot.worker.ref();
      slot.worker.postMessage({ type: "job", id: job.id, payload: job.payload } satisfies ToWorker<Payload>);
    }
  }

  private startWorker(): void {
    const worker = this.options.spawn();
    const slot: Slot<Payload, Result, Progress> = { worker, job: null, warm: false, spoke: false, lastError: null, retired: false };
    this.slots.add(slot);
    worker.unref();
    worker.on("message", (message: FromWorker<Result, Progress>) => this.onMessage(slot, message));
    // An uncaught error in the thread: 'exit' follows, and handles it.
    worker.on("error", (error: Error) => {
      slot.lastError = error;
    });
    worker.on("exit", (exitCode: number) => this.onExit(slot, exitCode));
    if (this.options.warmUp) worker.postMessage({ type: "warm-up" } satisfies ToWorker<Payload>);
  }

  /**
   * Terminates a thread whose job was abandoned and starts its replacement at
   * once, so the pool stays at its size and queued jobs go on without waiting
   * for the old thread to exit.
   */
  private stopWorker(slot: Slot<Payload, Result, Progress>): void {
    if (slot.retired) return;
    slot.retired = true;
    slot.job = null;
    this.slots.delete(slot);
    this.stoppedWorkers++;
    this.options.logger?.warn({ stoppedWorkers: this.stoppedWorkers }, "a local tagger worker was stopped mid-job (aborted or past its deadline); replacing it");
    void slot.worker.terminate().catch(() => {});
    if (this.closed) return;
    this.replacedWorkers++;
    this.startWorker();
    this.dispatch();
  }

  private onMessage(slot: Slot<Payload, Result, Progress>, message: FromWorker<Result, Progress>): void {
    if (slot.retired) return;
    slot.spoke = true;
    this.startupFailures = 0;
    switch (message.type) {
      case "ready":
        slot.warm = true;
        this.warmUpError = null;
        return;
      case "warm-up-failed":
        this.warmUpError = message.error.message;
        this.options.logger?.warn({ err: message.error }, "a local tagger worker could not load its models");
        return;
      case "started": {
        const job = slot.job;
        if (job?.id !== message.id || job.settled) return;
        slot.warm = true;
        this.warmUpError = null;
        try {
          job.onStart?.();
        } catch (error) {
          this.options.logger?.warn({ err: error }, "a start listener of the local tagger threw");
        }
        return;
      }
      case "progress": {
        const job = slot.job;
        if (job?.id !== message.id || job.settled) return;
        try {
          job.onProgress?.(message.progress);
        } catch (error) {
          // A listener's bug must not escape into the message loop and kill the process.
          this.options.logger?.warn({ err: error }, "a progress listener of the local tagger threw");
        }
        return;
      }
      case "done":
      case "failed": {
        const job = slot.job;
        if (job?.id !== message.id) return;
        slot.job = null;
        slot.worker.unref();
        if (message.type === "done") {
          slot.warm = true;
          this.warmUpError = null;
          job.settle({ result: message.result });
        } else {
          job.settle({ error: this.options.reviveError(message.error) });
        }
        this.dispatch();
      }
    }
  }

  private onExit(slot: Slot<Payload, Result, Progress>, exitCode: number): void {
    if (slot.retired) return; // stopped on purpose, and replaced then
    this.slots.delete(slot);
    const job = slot.job;
    if (this.closed) {
      job?.settle({ error: this.options.unavailableError("the tagger was closed during the analysis") });
      return;
    }
    const detail = slot.lastError ? slot.lastError.message : `the thread exited with code ${exitCode}`;
    this.options.logger?.warn({ exitCode, err: slot.lastError ?? undefined, hadJob: Boolean(job) }, "a local tagger worker died; replacing it");
    job?.settle({ error: this.options.crashError(detail) });
    if (!slot.spoke && !job) this.startupFailures++;
    if (this.startupFailures >= MAX_STARTUP_FAILURES) {
      this.brokenReason = `worker threads die as they start (${detail})`;
      for (const queued of this.queue.splice(0)) queued.settle({ error: this.options.unavailableError(this.brokenReason) });
      return;
    }
    this.replacedWorkers++;
    this.startWorker();
    this.dispatch();
  }
}
