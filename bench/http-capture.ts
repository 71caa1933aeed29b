/**
 * The gateway-tax baseline's statements: what the app sends to PostgreSQL
 * for each distinct query of a workload. A capture app (the app as `npm
 * start` runs it, on the bench's database, with http-capture-hook.ts
 * preloaded) answers every distinct query once, one at a time, each request
 * tagged; the hook writes down the statements each request sent, with their
 * bound values as sent and when each was sent and answered. The app under
 * load is another process, without the hook.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { CapturedStatement } from "./http-capture-hook.js";

/** One distinct GraphQL request and the statements it cost. */
export interface CapturedRequest {
  /** The request's JSON body. */
  body: string;
  /** Its statements in the order the app sent them, with when each was sent and answered. */
  statements: CapturedStatement[];
  /** Matches (or edges) in the app's answer. */
  items: number;
}

export interface Capture {
  requests: CapturedRequest[];
  /** Statements per request, over the distinct requests. */
  statementsPerRequest: { min: number; mean: number; max: number };
  /** Distinct statement texts (parameters apart) over all requests. */
  distinctTexts: number;
  /** Requests whose answer had at least one item. */
  withItems: number;
  ms: number;
}

const HOOK = new URL("./http-capture-hook.ts", import.meta.url).href;
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
/** Requests answered before capturing starts: the pool's connections are opened, and whatever the app loads once is loaded. */
const WARM_UP_REQUESTS = 5;

/**
 * Starts a capture app with `env` (plus the hook), sends each body once
 * (after a few untagged ones, so that the pool's connection set-up is not
 * counted), stops the app, and returns each body's statements. Every answer
 * must be 2xx with data and no errors, and every request must have sent at
 * least one statement.
 */
export async function captureStatements(env: Record<string, string>, bodies: Map<string, readonly string[]>, progress: (message: string) => void): Promise<Map<string, Capture>> {
  const root = await mkdtemp(path.join(os.tmpdir(), "lookalike-bench-capture-"));
  await chmod(root, 0o755);
  const file = path.join(root, "statements.jsonl");
  let child: ChildProcess | null = null;
  try {
    const app = await startCaptureApp({ ...env, UPLOADS_DIR: path.join(root, "uploads"), BENCH_HTTP_CAPTURE_FILE: file });
    child = app.child;
    const items = new Map<string, number>();
    const spent = new Map<string, number>();
    for (const [number, [workload, list]] of [...bodies].entries()) {
      const started = performance.now();
      for (const body of list.slice(0, WARM_UP_REQUESTS)) await ask(app.url, body, null);
      for (const [index, body] of list.entries()) items.set(`${number}.${index}`, await ask(app.url, body, `${number}.${index}`));
      spent.set(workload, performance.now() - started);
      progress(`captured the statements of ${list.length} distinct ${workload} requests in ${(spent.get(workload)! / 1000).toFixed(1)} s`);
    }
    child.kill("SIGTERM");
    await new Promise((resolve) => child!.once("exit", resolve));
    child = null;
    const byTag = new Map<string, CapturedStatement[]>();
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      if (!line) continue;
      const statement = JSON.parse(line) as CapturedStatement;
      byTag.set(statement.tag, [...(byTag.get(statement.tag) ?? []), statement]);
    }
    const captures = new Map<string, Capture>();
    for (const [number, [workload, list]] of [...bodies].entries()) {
      const requests = list.map((body, index): CapturedRequest => {
        const tag = `${number}.${index}`;
        const statements = (byTag.get(tag) ?? []).sort((a, b) => a.seq - b.seq);
        if (statements.length === 0) throw new Error(`capture: ${workload} request ${index} sent no SQL statement (${body.slice(0, 200)})`);
        const failed = statements.find((statement) => statement.failed);
        if (failed) throw new Error(`capture: a statement of ${workload} request ${index} failed: ${failed.text.slice(0, 200)}`);
        return { body, statements, items: items.get(tag)! };
      });
      const counts = requests.map((request) => request.statements.length);
      captures.set(workload, {
        requests,
        statementsPerRequest: { min: Math.min(...counts), mean: counts.reduce((a, b) => a + b, 0) / counts.length, max: Math.max(...counts) },
        distinctTexts: new Set(requests.flatMap((request) => request.statements.map((statement) => statement.text))).size,
        withItems: requests.filter((request) => request.items > 0).length,
        ms: spent.get(workload)!,
      });
    }
    return captures;
  } finally {
    if (child) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child!.once("exit", resolve));
    }
    await rm(root, { recursive: true, force: true });
  }
}

/** One request, read whole; returns the items of its first field (a list, or a connection's edges). */
async function ask(url: string, body: string, tag: string | null): Promise<number> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(tag === null ? {} : { "x-bench-capture": tag }) },
    body,
  });
  const json = (await response.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
  if (!response.ok || !json.data || json.errors) throw new Error(`capture: request failed: ${response.status} ${JSON.stringify(json).slice(0, 500)}`);
  const [field] = Object.values(json.data);
  return Array.isArray(field) ? field.length : Array.isArray((field as { edges?: unknown[] })?.edges) ? (field as { edges: unknown[] }).edges.length : 1;
}

/** src/main.ts in a child process, as `npm start` runs it, with the capture hook preloaded after tsx. */
async function startCaptureApp(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", HOOK, MAIN], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    let entry: Record<string, unknown> | null = null;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (entry?.msg === "Lookalike is ready") {
      child.stdout!.resume();
      return { url: String(entry.url ?? "").replace(/\/graphql$/, ""), child };
    }
  }
  throw new Error("the capture app exited before it was ready");
}
