import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopStalePostmaster } from "../src/db/stale-postmaster.js";
import { freePort } from "./support/free-port.js";

/**
 * `npm start` stops on SIGTERM however early the signal comes: an
 * orchestrator may stop a process the moment it reports ready, or while it
 * starts. Before, a signal sent on "Lookalike is ready" was lost about one
 * time in three (the handlers were swapped in after that line), and the
 * process ran on.
 */
let root: string;
let env: Record<string, string>;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lookalike-signals-"));
  await chmod(root, 0o755); // PostgreSQL may run as another user (when we are root)
  env = {
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    NODE_ENV: "production",
    AUTH: "off",
    DATABASE_URL: "",
    EMBEDDED_PG_DIR: path.join(root, "postgres"),
    EMBEDDED_PG_PORT: String(await freePort()),
    UPLOADS_DIR: path.join(root, "uploads"),
    LOCAL_TAGGER_PRELOAD: "false",
  };
});

afterAll(async () => {
  await stopStalePostmaster(path.join(root, "postgres"), () => {});
  await rm(root, { recursive: true, force: true });
});

/** Starts the app, sends SIGTERM on the first log line `when` picks, and says how it ended and what it logged. */
async function signalledRun(when: (line: Record<string, unknown>) => boolean): Promise<{ code: number | null; messages: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const messages: string[] = [];
  let signalled = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : null;
    if (!line) return;
    messages.push(String(line.msg));
    if (!signalled && when(line)) {
      signalled = true;
      child.kill("SIGTERM");
    }
  });
  const deadline = new Promise<"running">((resolve) => setTimeout(() => resolve("running"), 30_000).unref());
  const ended = await Promise.race([exited, deadline]);
  if (ended === "running") {
    child.kill("SIGKILL");
    await exited;
    return { code: null, messages };
  }
  return { code: ended, messages };
}

describe("npm start and signals", () => {
  it("stops, each time, when SIGTERM comes the moment it reports ready", async () => {
    for (let run = 0; run < 3; run++) {
      const { code, messages } = await signalledRun((line) => line.msg === "Lookalike is ready");
      expect({ run, code, stopped: messages.includes("stopped") }).toEqual({ run, code: 0, stopped: true });
    }
  }, 180_000);

  it("stops once it is up when SIGTERM comes while it starts", async () => {
    // The first line comes once the database is up, well before the server listens.
    const { code, messages } = await signalledRun(() => true);
    expect(code).toBe(0);
    expect(messages).toContain("shutting down: the signal came while starting");
    expect(messages.indexOf("stopped")).toBeGreaterThan(messages.indexOf("Lookalike is ready"));
  }, 60_000);
});
