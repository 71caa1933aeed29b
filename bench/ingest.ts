/**
 * `npm run bench:ingest`: uploads photos concurrently through HTTP to the app
 * as `npm start` runs it (a child process, embedded PostgreSQL, the local
 * tagger) and reports end-to-end throughput, upload-to-READY times, the
 * latency of a `products` query during the ingest against the same query on
 * the idle server (same run), and the app's peak RSS.
 */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { GraphQLClient } from "../test/support/graphql-client.js";
import { subscribe, subscriptionsClient } from "../test/support/subscriptions.js";
import { startBenchApp } from "./bench-app.js";
import { photoVariants } from "./photo-variants.js";
import { summarizeLatency, timed } from "./latency.js";
import { runPool } from "./run-pool.js";

const PHOTOS = Number(process.env.BENCH_INGEST_PHOTOS ?? 200);
const IN_FLIGHT = Number(process.env.BENCH_INGEST_CONCURRENCY ?? PHOTOS);
const PRODUCTS_QUERY = `{ products(first: 20) { edges { node { id tags analysis { status } } } } }`;
const ADD_PRODUCT = `mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;

const app = await startBenchApp("ingest", {
  NODE_ENV: "production",
  // It measures analysis throughput: one anonymous client queues every photo at once, which
  // the rate limits (on in production) would refuse past RATE_LIMIT_MAX_PENDING_ANALYSES.
  AUTH: "off",
  RATE_LIMIT: "false",
  ...pick(process.env, ["TAGGER", "LOCAL_TAGGER_WORKERS", "WORKER_CONCURRENCY", "OPENAI_BASE_URL", "OPENAI_API_KEY", "VISUAL_SEARCH"]),
  ...pick(process.env, ["STORAGE", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_FORCE_PATH_STYLE"]),
});
const client = new GraphQLClient(`${app.url}/graphql`);
const ws = subscriptionsClient(app.url);

try {
  const photos = await photoVariants(PHOTOS);
  let peakRss = 0;
  const sampler = setInterval(() => void sampleRss().then((rss) => (peakRss = Math.max(peakRss, rss))), 200);

  const idle = await measureProductsQuery(() => false, 100);

  const readyAt = new Map<string, number>();
  const ready = subscribe<{ productAdded: { id: string } }>(ws, "subscription { productAdded { id } }");
  await sleep(300);
  const startedAt = new Map<string, number>();
  let uploadErrors = 0;
  const ingestStart = performance.now();
  let ingesting = true;
  const duringIngest = measureProductsQuery(() => ingesting, Number.POSITIVE_INFINITY);
  const uploads = runPool(photos, IN_FLIGHT, async (photo, index) => {
    const began = performance.now();
    const response = await client.upload(ADD_PRODUCT, { sourceUrl: `https://shop.example/bench/${index}`, image: null }, [
      { variable: "variables.image", bytes: photo.bytes, filename: photo.name },
    ]);
    if (response.errors) uploadErrors += 1;
    else startedAt.set(response.data!.addProduct.id, began);
  });
  const uploadsDone = uploads.then(() => performance.now());
  await uploads;
  while (readyAt.size < startedAt.size) {
    for (const event of ready.received) {
      const id = event.data?.productAdded.id;
      if (id && !readyAt.has(id)) readyAt.set(id, performance.now());
    }
    await sleep(20);
  }
  const ingestEnd = performance.now();
  ingesting = false;
  const busy = await duringIngest;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, await sampleRss());

  const toReady = [...startedAt].map(([id, began]) => readyAt.get(id)! - began);
  const seconds = (ingestEnd - ingestStart) / 1000;
  const idleP95 = idle.p95Ms;
  const result = {
    photos: PHOTOS,
    concurrency: IN_FLIGHT,
    uploadErrors,
    uploadsAcceptedInSeconds: ((await uploadsDone) - ingestStart) / 1000,
    endToEndSeconds: seconds,
    photosPerSecond: startedAt.size / seconds,
    uploadToReady: summarizeLatency(toReady),
    productsQuery: { idle, duringIngest: busy, p95Ratio: busy.p95Ms / idleP95 },
    peakRssMiB: peakRss / 2 ** 20,
    machine: { cpus: os.availableParallelism(), loadAverage: os.loadavg(), node: process.version },
  };
  printReport(result);
} finally {
  await ws.dispose();
  await app.stop();
}

async function measureProductsQuery(keepGoing: () => boolean, count: number) {
  const samples: number[] = [];
  for (let index = 0; index < count && (count !== Number.POSITIVE_INFINITY || keepGoing() || samples.length === 0); index += 1) {
    const { result, ms } = await timed(() => client.query(PRODUCTS_QUERY));
    if (result.errors) throw new Error(`products query failed: ${JSON.stringify(result.errors)}`);
    samples.push(ms);
    if (count === Number.POSITIVE_INFINITY) await sleep(25);
  }
  return summarizeLatency(samples);
}

async function sampleRss(): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0);
}

function pick(source: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((key) => (source[key] ? [[key, source[key]!]] : [])));
}

function printReport(result: {
  photos: number;
  concurrency: number;
  uploadErrors: number;
  uploadsAcceptedInSeconds: number;
  endToEndSeconds: number;
  photosPerSecond: number;
  uploadToReady: ReturnType<typeof summarizeLatency>;
  productsQuery: { idle: ReturnType<typeof summarizeLatency>; duringIngest: ReturnType<typeof summarizeLatency>; p95Ratio: number };
  peakRssMiB: number;
  machine: { cpus: number; loadAverage: number[]; node: string };
}) {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`\ningest of ${result.photos} photos, ${result.concurrency} in flight (${result.machine.cpus} CPUs, load ${result.machine.loadAverage.map((l) => l.toFixed(2)).join(" ")}, node ${result.machine.node})`);
  console.log(`  upload errors:              ${result.uploadErrors}`);
  console.log(`  all uploads accepted after: ${result.uploadsAcceptedInSeconds.toFixed(1)} s`);
  console.log(`  end to end:                 ${result.endToEndSeconds.toFixed(1)} s = ${result.photosPerSecond.toFixed(2)} photos/s`);
  console.log(`  upload -> READY:            p50 ${ms(result.uploadToReady.medianMs)}, p95 ${ms(result.uploadToReady.p95Ms)}`);
  const { idle, duringIngest, p95Ratio } = result.productsQuery;
  console.log(`  products query, idle:       p50 ${ms(idle.medianMs)}, p95 ${ms(idle.p95Ms)} (${idle.samples} samples)`);
  console.log(`  products query, ingesting:  p50 ${ms(duringIngest.medianMs)}, p95 ${ms(duringIngest.p95Ms)} (${duringIngest.samples} samples)`);
  console.log(`  p95 during ingest / idle:   ${p95Ratio.toFixed(2)}x`);
  console.log(`  peak RSS of the app:        ${result.peakRssMiB.toFixed(0)} MiB`);
  console.log(JSON.stringify(result));
}
