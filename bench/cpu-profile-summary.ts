/**
 * Where a CPU profile's time went: self time by package (node_modules/<name>),
 * by the project's own folders (src/<folder>), by Node's internals, and the
 * garbage collector, idle and program time apart. For the profiles
 * BENCH_HTTP_CPU_PROF_DIR gets (node --cpu-prof).
 *
 *   npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [rows]
 */
import { readFile } from "node:fs/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The bucket a frame's self time counts to. */
export function bucketOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
  const own = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url;
}

export function summarizeProfile(profile: CpuProfile): Array<{ bucket: string; ms: number; share: number }> {
  const bucketById = new Map(profile.nodes.map((node) => [node.id, bucketOf(node.callFrame.url, node.callFrame.functionName)]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const bucket = bucketById.get(id) ?? "(unknown)";
    totals.set(bucket, (totals.get(bucket) ?? 0) + micros);
    all += micros;
  });
  // Shares of the busy time: idle is when the process waited for work.
  const busy = all - (totals.get("(idle)") ?? 0);
  return [...totals]
    .map(([bucket, micros]) => ({ bucket, ms: micros / 1000, share: bucket === "(idle)" ? Number.NaN : micros / busy }))
    .sort((a, b) => b.ms - a.ms);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, rows = "25"] = process.argv.slice(2);
  if (!file) throw new Error("usage: cpu-profile-summary <file.cpuprofile> [rows]");
  const summary = summarizeProfile(JSON.parse(await readFile(file, "utf8")) as CpuProfile);
  for (const { bucket, ms, share } of summary.slice(0, Number(rows))) {
    console.log(`${(Number.isNaN(share) ? "  idle" : `${(share * 100).toFixed(1)}%`).padStart(6)}  ${ms.toFixed(0).padStart(8)} ms  ${bucket}`);
  }
}
