import { parentPort } from "node:worker_threads";
import { serializeError, type FromWorker, type ToWorker } from "./job-protocol.js";

export interface JobHandlers<Payload, Result, Progress> {
  /** Loads whatever the jobs need (once); awaited before every job, which reports "started" after it. */
  warmUp(): Promise<void>;
  run(payload: Payload, progress: (progress: Progress) => void): Promise<Result>;
}

/** The worker-thread side of WorkerPool: answers warm-up and job messages, one job at a time. */
export function serveJobs<Payload, Result, Progress>(handlers: JobHandlers<Payload, Result, Progress>): void {
  const port = parentPort;
  if (!port) throw new Error("serveJobs() must run in a worker thread.");
  const send = (message: FromWorker<Result, Progress>) => port.postMessage(message);

  port.on("message", (message: ToWorker<Payload>) => {
    if (message.type === "warm-up") {
      handlers.warmUp().then(
        () => send({ type: "ready" }),
        (error: unknown) => send({ type: "warm-up-failed", error: serializeError(error) }),
      );
      return;
    }
    const { id, payload } = message;
    // Loading the models is not the job's own work: waiting for it must not eat the job's deadline.
    handlers
      .warmUp()
      .then(() => {
        send({ type: "started", id });
        return handlers.run(payload, (progress) => send({ type: "progress", id, progress }));
      })
      .then(
        (result) => send({ type: "done", id, result }),
        (error: unknown) => send({ type: "failed", id, error: serializeError(error) }),
      );
  });
}
