/**
 * `npm run bench:ingest`: bench/ingest.ts twice in one run, on the same
 * photos and machine, and the second's photos per second as a share of the
 * first's. What the two runs differ in (BENCH_INGEST_COMPARE):
 * - storage (the default): photos in the local directory (the baseline), then
 *   in an S3-compatible server (a real s3rver in a process of its own, the
 *   one the tests use), both with the embedding on; target >= 0.90;
 * - embedding: VISUAL_SEARCH=false (the baseline), then the embedding on;
 *   target >= 0.85.
 * BENCH_INGEST_ONLY=baseline|compared runs one side alone.
 */
import { spawn } from "node:child_process";
import { s3StorageEnv, startS3Server, type S3Server } from "../test/support/s3-server.js";

interface IngestResult {
  photosPerSecond: number;
  peakRssMiB: number;
  uploadErrors: number;
}

interface Side {
  label: string;
  env: () => Promise<Record<string, string>>;
}

const BUCKET = "bench-ingest";
/** Started when the S3 side first runs; a holder, since only a closure sets it. */
const started: { s3: S3Server | null } = { s3: null };

const COMPARISONS: Record<string, { baseline: Side; compared: Side; target: number }> = {
  storage: {
    baseline: { label: "local directory (baseline)", env: async () => ({ STORAGE: "local" }) },
    compared: {
      label: "S3-compatible server",
      env: async () => {
        started.s3 ??= await startS3Server({ buckets: [BUCKET] });
        return s3StorageEnv(started.s3, BUCKET, `run-${Date.now()}/`);
      },
    },
    target: 0.9,
  },
  embedding: {
    baseline: { label: "without embedding (baseline)", env: async () => ({ VISUAL_SEARCH: "false" }) },
    compared: { label: "with embedding", env: async () => ({ VISUAL_SEARCH: "true" }) },
    target: 0.85,
  },
};

async function ingest(side: Side): Promise<IngestResult> {
  const env = await side.env();
  console.log(`\n== ingest: ${side.label}`);
  const child = spawn(process.execPath, ["--import", "tsx", "bench/ingest.ts"], {
    env: { ...process.env, ...env },
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

const name = process.env.BENCH_INGEST_COMPARE ?? "storage";
const comparison = COMPARISONS[name];
if (!comparison) throw new Error(`BENCH_INGEST_COMPARE must be one of ${Object.keys(COMPARISONS).join(", ")}`);
const only = process.env.BENCH_INGEST_ONLY;
try {
  const baseline = only === "compared" ? null : await ingest(comparison.baseline);
  const compared = only === "baseline" ? null : await ingest(comparison.compared);
  if (baseline && compared) {
    console.log(`\n| ingest | photos/s | peak RSS of the app | upload errors |`);
    console.log(`|---|---|---|---|`);
    for (const [side, result] of [[comparison.baseline, baseline], [comparison.compared, compared]] as const) {
      console.log(`| ${side.label} | ${result.photosPerSecond.toFixed(3)} | ${result.peakRssMiB.toFixed(0)} MiB | ${result.uploadErrors} |`);
    }
    const ratio = compared.photosPerSecond / baseline.photosPerSecond;
    console.log(`${comparison.compared.label} / ${comparison.baseline.label}: ${ratio.toFixed(3)} (target >= ${comparison.target}: ${ratio >= comparison.target ? "met" : "missed"})`);
  }
} finally {
  await started.s3?.stop();
}
