/**
 * The messages between a worker pool and its threads. Errors cross the thread
 * boundary as plain data and are turned back into typed errors by the pool's owner.
 */
export interface SerializedError {
  name: string;
  message: string;
  /** A DomainError's code, when the error was one. */
  code?: string;
  details?: Record<string, unknown>;
}

export type ToWorker<Payload> = { type: "warm-up" } | { type: "job"; id: number; payload: Payload };

export type FromWorker<Result, Progress> =
  | { type: "ready" }
  | { type: "warm-up-failed"; error: SerializedError }
  /** The thread has loaded what jobs need and begun this one: its deadline counts from here. */
  | { type: "started"; id: number }
  | { type: "progress"; id: number; progress: Progress }
  | { type: "done"; id: number; result: Result }
  | { type: "failed"; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const serialized: SerializedError = { name: error.name, message: error.message };
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (typeof code === "string") serialized.code = code;
  if (details && typeof details === "object") serialized.details = details as Record<string, unknown>;
  return serialized;
}
