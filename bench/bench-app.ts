import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startAppProcess } from "../test/support/app-process.js";
import { freePort } from "../test/support/free-port.js";

export interface BenchApp {
  url: string;
  child: Awaited<ReturnType<typeof startAppProcess>>["child"];
  /** Stops the app (SIGTERM, so it stops its embedded PostgreSQL) and removes its folders. */
  stop(): Promise<void>;
}

/**
 * The app as `npm start` runs it, in a child process, with its own embedded
 * PostgreSQL and uploads folder in a fresh temp folder (readable by the
 * unprivileged user PostgreSQL runs as).
 */
export async function startBenchApp(name: string, env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<BenchApp> {
  const root = await mkdtemp(path.join(os.tmpdir(), `lookalike-bench-${name}-`));
  await chmod(root, 0o755);
  const remove = () => rm(root, { recursive: true, force: true });
  const app = await startAppProcess({
    EMBEDDED_PG_DIR: path.join(root, "postgres"),
    EMBEDDED_PG_PORT: String(await freePort()),
    UPLOADS_DIR: path.join(root, "uploads"),
    ...env,
  }, "src/main.ts", nodeArgs).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  return {
    url: app.url,
    child: app.child,
    stop: async () => {
      app.child.kill("SIGTERM");
      await new Promise((resolve) => app.child.once("exit", resolve));
      await remove();
    },
  };
}
