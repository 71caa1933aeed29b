import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A process that loads the embedded PostgreSQL keeps the exit code a failure
 * set: the test runner itself is one (its global setup starts the cluster),
 * so a failed test must fail `npm test`.
 */
describe("a process that loads the embedded PostgreSQL", () => {
  it("ends with the exit code it set, not 0, and quietly", async () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const script = `await import("./src/db/embedded-postgres.ts"); process.exitCode = 3;`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += String(chunk)));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    expect(stderr).toBe("");
    expect(code).toBe(3);
  });
});
