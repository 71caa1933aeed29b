import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { createTestDatabase } from "../support/test-database.js";

/** AUTH, and production's refusal to serve an API that is open by omission, with `npm start` as it runs. */

describe("the AUTH setting", () => {
  it("is off by default outside production, and can be required", () => {
    expect(loadConfig({}).auth).toEqual({ mode: "off", explicit: false });
    expect(loadConfig({ NODE_ENV: "test", AUTH: "required" }).auth).toEqual({ mode: "required", explicit: true });
    expect(loadConfig({ NODE_ENV: "production", AUTH: "off" }).auth).toEqual({ mode: "off", explicit: true });
    expect(() => loadConfig({ AUTH: "maybe" })).toThrow(ConfigError);
  });
});

let database: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

/** Runs src/main.ts until it is ready (then kills it) or exits; returns its log lines and how it ended. */
async function runMain(env: Record<string, string>): Promise<{ lines: Array<Record<string, unknown>>; stderr: string; exitCode: number | null; ready: boolean }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", TAGGER: "none", RUN_WORKER: "false", VISUAL_SEARCH: "false", LOCAL_TAGGER_PRELOAD: "false", DATABASE_URL: database.url, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines: Array<Record<string, unknown>> = [];
  let ready = false;
  for await (const line of createInterface({ input: child.stdout! })) {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      continue;
    }
    if (lines.at(-1)!.msg === "Lookalike is ready") {
      ready = true;
      child.kill("SIGKILL"); // its own database is external: nothing to shut down with care
    }
  }
  const exitCode = await exited;
  return { lines, stderr, exitCode, ready };
}

describe("npm start", () => {
  it("refuses to start in production without AUTH", async () => {
    const run = await runMain({ NODE_ENV: "production", AUTH: "" });
    expect(run.ready).toBe(false);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toContain("NODE_ENV=production needs AUTH=required");
  }, 120_000);

  it("starts in production with AUTH=required, and says so", async () => {
    const run = await runMain({ NODE_ENV: "production", AUTH: "required" });
    expect(run.ready).toBe(true);
    expect(run.lines).toContainEqual(expect.objectContaining({ level: 30, auth: "required", msg: expect.stringMatching(/^AUTH=required/) }));
  }, 120_000);

  it("warns at start that the development default is open", async () => {
    const run = await runMain({ NODE_ENV: "development", AUTH: "" });
    expect(run.ready).toBe(true);
    expect(run.lines).toContainEqual(expect.objectContaining({ level: 40, auth: "off", msg: expect.stringMatching(/^AUTH=off: the API is open/) }));
  }, 120_000);
});
