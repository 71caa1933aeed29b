/**
 * `npm run bench:ingest`: bench/ingest.ts twice in one run, on the same
 * photos and machine: first with VISUAL_SEARCH=false (no embedding: the
 * ingest as it was before visual search), then with the embedding on, and
 * the second's photos per second as a share of the first's.
 * BENCH_INGEST_ONLY=on|off runs one side alone.
 */
import { spawn } from "node:child_process";

interface IngestResult {
  photosPerSecond: number;
  peakRssMiB: number;
  uploadErrors: number;
}

async function ingest(visualSearch: boolean): Promise<IngestResult> {
  console.log(`\n== ingest with VISUAL_SEARCH=${visualSearch}`);
  const child = spawn(process.execPath, ["--import", "tsx", "bench/ingest.ts"], {
    env: { ...process.env, VISUAL_SEARCH: String(visualSearch) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`bench/ingest.ts exited with ${code}`);
  const last = output.trim().split("\n").reverse().find((line) => line.startsWith("{"));
  if (!last) throw new Error("bench/ingest.ts printed no result");
  return JSON.parse(last) as IngestResult;
}

const only = process.env.BENCH_INGEST_ONLY;
const off = only === "on" ? null : await ingest(false);
const on = only === "off" ? null : await ingest(true);
if (off && on) {
  console.log(`\n| ingest | photos/s | peak RSS | upload errors |`);
  console.log(`|---|---|---|---|`);
  console.log(`| without embedding (baseline) | ${off.photosPerSecond.toFixed(3)} | ${off.peakRssMiB.toFixed(0)} MiB | ${off.uploadErrors} |`);
  console.log(`| with embedding | ${on.photosPerSecond.toFixed(3)} | ${on.peakRssMiB.toFixed(0)} MiB | ${on.uploadErrors} |`);
  const ratio = on.photosPerSecond / off.photosPerSecond;
  console.log(`with / without: ${ratio.toFixed(3)} (target >= 0.85: ${ratio >= 0.85 ? "met" : "missed"})`);
}
