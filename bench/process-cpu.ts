import { readdir, readFile } from "node:fs/promises";

/**
 * CPU time spent by processes, from Linux's /proc (schedstat: nanoseconds on
 * a CPU, exact, unlike the 10 ms ticks of /proc/<pid>/stat). Throughput on a
 * shared 2-core machine swings by ±25% from one 10 s run to the next; the
 * CPU a request costs the app and its database does not, so bench:http
 * reports both. Elsewhere than Linux, nothing can be read (null).
 */
export type CpuSnapshot = Map<number, number>;

/** Milliseconds on a CPU so far, per process (those that cannot be read are left out). */
export async function cpuSnapshot(pids: readonly number[]): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = new Map();
  for (const pid of pids) {
    const ns = await readFile(`/proc/${pid}/schedstat`, "utf8").then(
      (text) => Number(text.split(" ")[0]),
      () => Number.NaN,
    );
    if (Number.isFinite(ns)) snapshot.set(pid, ns / 1e6);
  }
  return snapshot;
}

/**
 * CPU milliseconds spent between two snapshots by the processes in both; with
 * countNew, also all of what a process started in between has spent (a
 * process that ended in between is left out; null when none could be read).
 */
export function cpuSpentMs(before: CpuSnapshot, after: CpuSnapshot, options: { countNew?: boolean } = {}): number | null {
  let spent = 0;
  let read = 0;
  for (const [pid, ms] of after) {
    const earlier = before.get(pid) ?? (options.countNew ? 0 : undefined);
    if (earlier === undefined) continue;
    spent += ms - earlier;
    read++;
  }
  return read > 0 ? spent : null;
}

/** A PostgreSQL server's processes: the postmaster and its children (one backend per connection, and its workers). */
export async function postgresPids(postmasterPid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // The command name (field 2) may hold spaces or parentheses: the parent pid follows its last ")".
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === postmasterPid) children.push(Number(entry));
  }
  return [postmasterPid, ...children];
}
