import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * The app as `npm start` (src/main.ts) or `npm run worker` (src/worker.ts)
 * runs it, in a child process that a test can SIGKILL.
 */
export async function startAppProcess(
  env: Record<string, string>,
  entry = "src/main.ts",
  /** Node's own flags before the entry (bench:http's --cpu-prof: Node refuses it in NODE_OPTIONS). */
  nodeArgs: readonly string[] = [],
): Promise<{ url: string; metricsUrl: string; child: ChildProcess; kill(): Promise<void> }> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", entry], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = safeJson(line);
    if (entry?.msg === "Lookalike is ready") {
      child.stdout!.resume(); // keep draining the log
      return {
        url: String(entry.url ?? "").replace(/\/graphql$/, ""),
        // A worker's own /metrics (WORKER_METRICS_PORT); empty when it serves none.
        metricsUrl: String(entry.metricsUrl ?? ""),
        child,
        kill: async () => {
          child.kill("SIGKILL");
          await exited;
        },
      };
    }
  }
  throw new Error("the app process exited before it was ready");
}

function safeJson(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
