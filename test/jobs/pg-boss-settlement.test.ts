import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { reportUnsettledJobs } from "../../src/jobs/pg-boss-settlement.js";

/**
 * pg-boss's work loop settles a job without awaiting it; a statement that
 * fails then (PostgreSQL restarting) must become an "error" event, not an
 * unhandled rejection that ends the process. Run on pg-boss's own Manager
 * code, with a database whose statements fail as a restarting server's do.
 */
describe("settling a job while PostgreSQL is away", () => {
  const Manager = createRequire(import.meta.url)("pg-boss/src/manager.js") as { prototype: object };

  it.each(["complete", "fail"] as const)("%s reports the failure on the queue's error event and resolves", async (method) => {
    reportUnsettledJobs();
    const restarting = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
    const events: unknown[] = [];
    const manager = Object.assign(Object.create(Manager.prototype) as Record<string, unknown>, {
      db: { executeSql: () => Promise.reject(restarting) },
      emit: (event: string, error: unknown) => (events.push([event, error]), true),
    });
    const settle = manager[method] as (name: string, id: string) => Promise<unknown>;
    await expect(settle.call(manager, "analyze-photo", "00000000-0000-4000-8000-000000000000")).resolves.toBeUndefined();
    expect(events).toEqual([["error", restarting]]);
  });
});
