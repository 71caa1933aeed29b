import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { stopStalePostmaster } from "../../src/db/stale-postmaster.js";
import { startAppProcess } from "./app-process.js";
import { freePort } from "./free-port.js";

export interface EmbeddedAppProcess {
  url: string;
  child: ChildProcess;
  /** The embedded server's port, fixed for the app's life. */
  pgPort: number;
  /** The pid PostgreSQL wrote in its data folder: the postmaster serving now. */
  postmasterPid(): Promise<number>;
  /** Log lines (pino JSON) written since the app was ready. */
  logs: Array<Record<string, unknown>>;
  /** Settles when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the app if it still runs, stops the PostgreSQL it leaves orphaned, and removes its folders. */
  cleanup(): Promise<void>;
}

/** `npm start` with no DATABASE_URL, in a child process: the app runs its own embedded PostgreSQL, in a fresh folder. */
export async function startEmbeddedAppProcess(env: Record<string, string>): Promise<EmbeddedAppProcess> {
  const root = await mkdtemp(path.join(tmpdir(), "lookalike-supervised-"));
  await chmod(root, 0o755); // PostgreSQL may run as another user (when we are root)
  const dataDir = path.join(root, "postgres");
  const pgPort = await freePort();
  const app = await startAppProcess({
    DATABASE_URL: "",
    EMBEDDED_PG_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    UPLOADS_DIR: path.join(root, "uploads"),
    ...env,
  }).catch(async (error: unknown) => {
    await rm(root, { recursive: true, force: true });
    throw error;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    app.child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const logs: Array<Record<string, unknown>> = [];
  // Reading also keeps the pipe drained, so a chatty outage cannot block the app on a full stdout.
  createInterface({ input: app.child.stdout! }).on("line", (line) => {
    if (line.startsWith("{")) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  return {
    url: app.url,
    child: app.child,
    pgPort,
    postmasterPid: async () => Number.parseInt((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]!, 10),
    logs,
    exited,
    cleanup: async () => {
      if (app.child.exitCode === null && app.child.signalCode === null) await app.kill();
      await stopStalePostmaster(dataDir, () => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}
