import { createRequire } from "node:module";

/**
 * pg-boss 10 (the last major that runs on Node 20) settles a job after its
 * handler without awaiting it: `this.complete(...)` and `this.fail(...)` in
 * the work loop (src/manager.js). When PostgreSQL restarts at that moment,
 * the rejection is unhandled, and Node ends the whole process for it. Made
 * here to report on the queue's "error" event instead: the job then stays
 * active, expires and is retried, which every handler of ours takes (an
 * analysis that is READY, and a sweep, are done again harmlessly). Nothing
 * of ours calls complete or fail itself. Applied once per process.
 */
type Settle = (this: { emit(event: string, error: unknown): boolean }, ...args: unknown[]) => Promise<unknown>;

let applied = false;

export function reportUnsettledJobs(): void {
  if (applied) return;
  applied = true;
  const Manager = createRequire(import.meta.url)("pg-boss/src/manager.js") as { prototype: Record<"complete" | "fail", Settle> };
  for (const method of ["complete", "fail"] as const) {
    const settle = Manager.prototype[method];
    Manager.prototype[method] = async function (this: { emit(event: string, error: unknown): boolean }, ...args: unknown[]) {
      try {
        return await settle.apply(this, args);
      } catch (error) {
        this.emit("error", error);
        return undefined;
      }
    };
  }
}
