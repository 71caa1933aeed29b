import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { startFeedServer, type FeedServer } from "../test/support/feed-server.js";
import { GraphQLClient } from "../test/support/graphql-client.js";
import { subscribe, subscriptionsClient } from "../test/support/subscriptions.js";
import { startBenchApp, type BenchApp } from "./bench-app.js";
import { provisionBenchDatabase, type BenchDatabase } from "./bench-database.js";
import { photoVariants } from "./photo-variants.js";
import { runPool } from "./run-pool.js";

export type ImportBenchSide = "baseline" | "compared";

export interface ImportBenchOptions {
  /** Distinct photos, the same on both sides: uploaded one by one (baseline), imported by URL in one call (compared). At most 1,000, importProducts' cap. */
  items: number;
  /** addProduct uploads in flight at once on the baseline side. */
  uploadConcurrency: number;
  /** Which side runs first (the other runs after it, on a fresh app). */
  first: ImportBenchSide;
  /** One side alone, or both (null). */
  only: ImportBenchSide | null;
  /** Extra settings for both apps (the tagger, worker concurrency, storage...). */
  env: Record<string, string>;
  /** A server to make each side's fresh database on (its user may create databases), instead of the app's own embedded PostgreSQL. */
  databaseUrl?: string | undefined;
}

export interface MachineSnapshot {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  /** 1, 5 and 15 minute load averages when the bench started. */
  loadAverage: number[];
}

export interface BaselineResult {
  side: "baseline";
  items: number;
  concurrency: number;
  /** 1, 5 and 15 minute load averages as the side's timed part began and ended. */
  loadAverage: { start: number[]; end: number[] };
  /** Uploads refused (their codes in uploadErrorCodes): no product, so not waited for. */
  uploadErrors: number;
  uploadErrorCodes: Record<string, number>;
  /** Products whose analysis FAILED (by code): they never become READY. */
  analysisFailures: number;
  analysisFailureCodes: Record<string, number>;
  /** From the first upload sent to the last upload answered. */
  uploadsAcceptedSeconds: number;
  /** From the first upload sent to the last product READY. */
  endToEndSeconds: number;
  ready: number;
  itemsPerSecond: number;
  /** Analysis attempts the app counted (lookalike_analysis_duration_seconds), over the timed part. */
  analysisAttempts: number;
  peakRssMiB: number;
}

export interface ImportRun {
  importId: string;
  /** How long importProducts took to answer. */
  callSeconds: number;
  /** From sending importProducts to the importProgress event that says finished. */
  endToEndSeconds: number;
  itemsPerSecond: number;
  counts: { total: number; done: number; skipped: number; failed: number; pending: number };
  /** The codes of FAILED items, with how many failed with each. */
  failureCodes: Record<string, number>;
  /** The first few failures, for the report. */
  failureSamples: Array<{ index: number; code: string; message: string }>;
  /** Progress events received on importProgress. */
  progressEvents: number;
  /** Analysis attempts the app counted over the run (the re-import should add none). */
  analysisAttempts: number;
}

export interface ComparedResult {
  side: "compared";
  items: number;
  loadAverage: { start: number[]; end: number[] };
  import: ImportRun;
  reimport: ImportRun;
  peakRssMiB: number;
}

export interface ImportBenchResults {
  benchmark: "import-by-url-vs-addProduct";
  generatedAt: string;
  options: Omit<ImportBenchOptions, "databaseUrl" | "env"> & { env: string[] };
  machine: MachineSnapshot;
  database: string;
  /** The sides in the order they ran. */
  order: ImportBenchSide[];
  baseline: BaselineResult | null;
  compared: ComparedResult | null;
  /** importProducts' items per second end to end over addProduct's (null unless both sides ran). */
  ratio: number | null;
  /** The re-import's items per second over the first import's. */
  reimportSpeedup: number | null;
  /** No upload refused, no analysis failed, no import item failed, the re-import skipped every item and analysed nothing. */
  clean: boolean;
  totalSeconds: number;
}

const ADD_PRODUCT = `mutation ($sourceUrl: String!, $externalId: String, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, externalId: $externalId, image: $image) { id } }`;
const IMPORT = `mutation ($items: [ImportItemInput!]!) { importProducts(items: $items) { id total pending done skipped failed finished } }`;
const STATE = "total pending done skipped failed finished";
const IMPORT_STATE = `query ($id: ID!) { productImport(id: $id) { ${STATE} } }`;
const FAILED_ITEMS = `query ($id: ID!, $after: Int) { productImport(id: $id) { items(first: 200, afterIndex: $after, status: FAILED) { index error { code message } } } }`;
const PROGRESS = `subscription ($id: ID!) { importProgress(importId: $id) { ${STATE} } }`;
const ANALYSIS_STATE = `query ($id: ID!) { product(id: $id) { analysis { status error { code } } } }`;

/** How long the baseline waits without a READY event before it asks which products' analyses failed. */
const STALL_MS = 30_000;

/** The settings of both apps: production as it would face the internet, minus what would refuse one client's bulk load. */
function sideEnv(options: ImportBenchOptions, databaseUrl: string | null): Record<string, string> {
  return {
    NODE_ENV: "production",
    // One anonymous client queues every photo at once, which the rate limits (on in production) would refuse
    // past RATE_LIMIT_MAX_PENDING_ANALYSES; the bench measures throughput, as bench:ingest does.
    AUTH: "off",
    RATE_LIMIT: "false",
    // The photos are served on loopback, which the import's fetcher refuses unless let through.
    IMPORT_FETCH_ALLOW_HOSTS: "127.0.0.1",
    DATABASE_URL: databaseUrl ?? "",
    ...options.env,
  };
}

/**
 * `npm run bench:import`, as a function (the smoke test runs it on a few
 * items): the same photos, served by a local HTTP server, brought into a
 * fresh app twice, each side on its own app and database, one after the
 * other: uploaded through addProduct (the baseline) and imported by URL with
 * one importProducts call (compared), each until every product is analysed;
 * then the same import again on the compared app (every item SKIPPED).
 */
export async function runImportBench(options: ImportBenchOptions, progress: (message: string) => void = () => {}): Promise<ImportBenchResults> {
  if (!Number.isInteger(options.items) || options.items < 1 || options.items > 1000) throw new Error("items must be a whole number from 1 to 1000");
  const started = performance.now();
  const machine: MachineSnapshot = {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage: rounded(os.loadavg()),
  };
  progress(`making ${options.items} distinct photos`);
  const photos = await photoVariants(options.items);
  const feed = await startFeedServer();
  photos.forEach((photo, index) => feed.set(photoPath(index), { body: photo.bytes, type: "image/jpeg" }));
  const sides: ImportBenchSide[] = options.first === "baseline" ? ["baseline", "compared"] : ["compared", "baseline"];
  const order = sides.filter((side) => options.only === null || options.only === side);
  let baseline: BaselineResult | null = null;
  let compared: ComparedResult | null = null;
  let database = options.databaseUrl ? "a fresh database per side on BENCH_DATABASE_URL's server" : "the app's own embedded PostgreSQL, fresh per side";
  try {
    for (const side of order) {
      const db = options.databaseUrl ? await provisionBenchDatabase(options.databaseUrl) : null;
      if (db) database = db.description.replace(/^database \S+/, "a fresh database per side");
      try {
        progress(`${side}: starting a fresh app`);
        const app = await startBenchApp(`import-${side}`, sideEnv(options, db?.url ?? null));
        try {
          if (side === "baseline") baseline = await runBaseline(app, photos, options, progress);
          else compared = await runCompared(app, feed, options.items, progress);
        } finally {
          await app.stop();
        }
      } finally {
        await disposeQuietly(db);
      }
    }
  } finally {
    await feed.close();
  }
  const ratio = baseline && compared ? compared.import.itemsPerSecond / baseline.itemsPerSecond : null;
  const clean =
    (baseline === null || (baseline.uploadErrors === 0 && baseline.analysisFailures === 0 && baseline.ready === options.items)) &&
    (compared === null ||
      (compared.import.counts.failed === 0 &&
        compared.import.counts.done + compared.import.counts.skipped === options.items &&
        compared.reimport.counts.skipped === options.items &&
        compared.reimport.analysisAttempts === 0));
  return {
    benchmark: "import-by-url-vs-addProduct",
    generatedAt: new Date().toISOString(),
    options: { items: options.items, uploadConcurrency: options.uploadConcurrency, first: options.first, only: options.only, env: Object.keys(options.env) },
    machine,
    database,
    order,
    baseline,
    compared,
    ratio,
    reimportSpeedup: compared ? compared.reimport.itemsPerSecond / compared.import.itemsPerSecond : null,
    clean,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

const photoPath = (index: number) => `/photos/${index}.jpg`;
const sourceUrl = (index: number) => `https://shop.example/bench-import/${index}`;
const externalId = (index: number) => `BENCH-${index}`;

/** addProduct per photo, `uploadConcurrency` in flight, then wait on productAdded until each is READY (or its analysis failed). */
async function runBaseline(
  app: BenchApp,
  photos: ReadonlyArray<{ name: string; bytes: Buffer }>,
  options: ImportBenchOptions,
  progress: (message: string) => void,
): Promise<BaselineResult> {
  const client = new GraphQLClient(`${app.url}/graphql`);
  const ws = subscriptionsClient(app.url);
  const rss = sampleRss(app);
  try {
    const ready = subscribe<{ productAdded: { id: string } }>(ws, "subscription { productAdded { id } }");
    await sleep(500); // subscribed before the first upload (not timed)
    const attemptsBefore = await analysisAttempts(app);
    const loadStart = rounded(os.loadavg());
    progress(`baseline: uploading ${photos.length} photos through addProduct, ${options.uploadConcurrency} in flight`);
    const uploadErrorCodes: Record<string, number> = {};
    const waiting = new Set<string>();
    /** Products whose analysis FAILED, found when the READY events stall. */
    const failedIds = new Set<string>();
    const readyAt = new Map<string, number>();
    let seen = 0;
    const drain = () => {
      for (; seen < ready.received.length; seen += 1) {
        const id = ready.received[seen]!.data?.productAdded.id;
        if (id && !readyAt.has(id)) readyAt.set(id, performance.now());
      }
    };
    const start = performance.now();
    await runPool(photos, options.uploadConcurrency, async (photo, index) => {
      const response = await client
        .upload<{ addProduct: { id: string } }>(ADD_PRODUCT, { sourceUrl: sourceUrl(index), externalId: externalId(index), image: null }, [
          { variable: "variables.image", bytes: photo.bytes, filename: photo.name, contentType: "image/jpeg" },
        ])
        .catch((error: unknown) => ({ status: 0, data: null, errors: [{ message: String(error), extensions: { code: "NETWORK_ERROR" } }] }));
      if (response.errors || !response.data) {
        const code = String(response.errors?.[0]?.extensions?.code ?? `HTTP_${response.status}`);
        uploadErrorCodes[code] = (uploadErrorCodes[code] ?? 0) + 1;
      } else waiting.add(response.data.addProduct.id);
    });
    const uploadsAccepted = performance.now();
    progress(`baseline: every upload answered after ${((uploadsAccepted - start) / 1000).toFixed(1)} s; waiting for the analyses`);

    const analysisFailureCodes: Record<string, number> = {};
    let lastMove = performance.now();
    let lastReport = performance.now();
    let settledCount = 0;
    for (;;) {
      drain();
      const settled = [...waiting].filter((id) => readyAt.has(id) || failedIds.has(id)).length;
      if (settled !== settledCount) {
        settledCount = settled;
        lastMove = performance.now();
      }
      if (settled === waiting.size) break;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        progress(`baseline: ${settled}/${waiting.size} analysed after ${((lastReport - start) / 1000).toFixed(0)} s`);
      }
      if (performance.now() - lastMove > STALL_MS) {
        // No READY for a while: an analysis that FAILED never sends productAdded, so ask the ones still waited on.
        for (const id of waiting) {
          if (readyAt.has(id) || failedIds.has(id)) continue;
          const state = await client.query<{ product: { analysis: { status: string; error: { code: string } | null } | null } }>(ANALYSIS_STATE, { id });
          const analysis = state.data?.product.analysis;
          if (analysis?.status === "READY") readyAt.set(id, performance.now());
          if (analysis?.status === "FAILED") {
            failedIds.add(id);
            const code = analysis.error?.code ?? "UNKNOWN";
            analysisFailureCodes[code] = (analysisFailureCodes[code] ?? 0) + 1;
          }
        }
        lastMove = performance.now();
      }
      await sleep(20);
    }
    const lastSettled = Math.max(uploadsAccepted, ...[...waiting].map((id) => readyAt.get(id) ?? 0));
    const loadEnd = rounded(os.loadavg());
    const endToEndSeconds = (lastSettled - start) / 1000;
    const readyCount = [...waiting].filter((id) => readyAt.has(id)).length;
    const result: BaselineResult = {
      side: "baseline",
      items: photos.length,
      concurrency: options.uploadConcurrency,
      loadAverage: { start: loadStart, end: loadEnd },
      uploadErrors: sum(uploadErrorCodes),
      uploadErrorCodes,
      analysisFailures: sum(analysisFailureCodes),
      analysisFailureCodes,
      uploadsAcceptedSeconds: (uploadsAccepted - start) / 1000,
      endToEndSeconds,
      ready: readyCount,
      itemsPerSecond: readyCount / endToEndSeconds,
      analysisAttempts: (await analysisAttempts(app)) - attemptsBefore,
      peakRssMiB: await rss.stop(),
    };
    ready.dispose();
    return result;
  } finally {
    await rss.stop();
    await ws.dispose();
  }
}

/** One importProducts call with every item, until finished; then the same call again (all SKIPPED). */
async function runCompared(app: BenchApp, feed: FeedServer, count: number, progress: (message: string) => void): Promise<ComparedResult> {
  const client = new GraphQLClient(`${app.url}/graphql`);
  const ws = subscriptionsClient(app.url);
  const rss = sampleRss(app);
  try {
    const items = Array.from({ length: count }, (_, index) => ({ imageUrl: `${feed.origin}${photoPath(index)}`, sourceUrl: sourceUrl(index), externalId: externalId(index) }));
    const loadStart = rounded(os.loadavg());
    progress(`compared: importProducts with ${count} items in one call`);
    const first = await importOnce(client, ws, items, (message) => progress(`compared: ${message}`), app);
    progress(`compared: the import finished after ${first.endToEndSeconds.toFixed(1)} s; importing the same ${count} items again`);
    const reimport = await importOnce(client, ws, items, (message) => progress(`compared, re-import: ${message}`), app);
    const loadEnd = rounded(os.loadavg());
    return { side: "compared", items: count, loadAverage: { start: loadStart, end: loadEnd }, import: first, reimport, peakRssMiB: await rss.stop() };
  } finally {
    await rss.stop();
    await ws.dispose();
  }
}

async function importOnce(
  client: GraphQLClient,
  ws: ReturnType<typeof subscriptionsClient>,
  items: ReadonlyArray<{ imageUrl: string; sourceUrl: string; externalId: string }>,
  progress: (message: string) => void,
  app: BenchApp,
): Promise<ImportRun> {
  const attemptsBefore = await analysisAttempts(app);
  const start = performance.now();
  const response = await client.query<{ importProducts: { id: string; finished: boolean } }>(IMPORT, { items });
  const answered = performance.now();
  if (response.errors || !response.data) throw new Error(`importProducts failed: ${JSON.stringify(response.errors ?? response.status)}`);
  const importId = response.data.importProducts.id;
  progress(`importProducts answered in ${((answered - start) / 1000).toFixed(2)} s (import ${importId})`);

  // The subscription's first event is the state at subscription, so nothing settled before it is missed.
  type State = { total: number; pending: number; done: number; skipped: number; failed: number; finished: boolean };
  const watch = subscribe<{ importProgress: State }>(ws, PROGRESS, { id: importId });
  let finishedAt: number | null = null;
  let seen = 0;
  let lastReport = performance.now();
  const polled = async () => {
    const state = await client.query<{ productImport: State }>(IMPORT_STATE, { id: importId });
    return state.data?.productImport ?? null;
  };
  let subscriptionFailed = false;
  watch.completed.catch(() => (subscriptionFailed = true));
  while (finishedAt === null) {
    for (; seen < watch.received.length; seen += 1) {
      const event = watch.received[seen]!;
      if (event.errors) subscriptionFailed = true;
      if (event.data?.importProgress.finished) finishedAt = performance.now();
    }
    if (finishedAt !== null) break;
    // Without the subscription (it failed), the query says when it finished, to within the poll.
    if (subscriptionFailed && (await polled())?.finished) finishedAt = performance.now();
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      const state = watch.received.at(-1)?.data?.importProgress ?? (await polled());
      if (state) progress(`${state.done} done, ${state.skipped} skipped, ${state.failed} failed of ${state.total} after ${((lastReport - start) / 1000).toFixed(0)} s`);
    }
    await sleep(subscriptionFailed ? 250 : 10);
  }
  const progressEvents = watch.received.length;
  watch.dispose();
  const final = await polled();
  if (!final) throw new Error(`productImport(${importId}) answered nothing`);
  const failures = await failedItems(client, importId);
  const failureCodes: Record<string, number> = {};
  for (const failure of failures) failureCodes[failure.code] = (failureCodes[failure.code] ?? 0) + 1;
  const endToEndSeconds = (finishedAt - start) / 1000;
  return {
    importId,
    callSeconds: (answered - start) / 1000,
    endToEndSeconds,
    itemsPerSecond: items.length / endToEndSeconds,
    counts: { total: final.total, done: final.done, skipped: final.skipped, failed: final.failed, pending: final.pending },
    failureCodes,
    failureSamples: failures.slice(0, 5),
    progressEvents,
    analysisAttempts: (await analysisAttempts(app)) - attemptsBefore,
  };
}

type FailedItem = { index: number; error: { code: string; message: string } | null };

/** Every FAILED item of an import, with its code, page by page. */
async function failedItems(client: GraphQLClient, importId: string): Promise<Array<{ index: number; code: string; message: string }>> {
  const failures: Array<{ index: number; code: string; message: string }> = [];
  let after: number | null = null;
  for (;;) {
    const page = await client.query<{ productImport: { items: FailedItem[] } }>(FAILED_ITEMS, { id: importId, after });
    if (page.errors || !page.data) throw new Error(`productImport items failed: ${JSON.stringify(page.errors)}`);
    const items: FailedItem[] = page.data.productImport.items;
    failures.push(...items.map((item) => ({ index: item.index, code: item.error?.code ?? "UNKNOWN", message: item.error?.message ?? "" })));
    if (items.length < 200) return failures;
    after = items.at(-1)!.index;
  }
}

/** Analysis attempts the app has finished so far, every outcome (its /metrics). */
async function analysisAttempts(app: BenchApp): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^lookalike_analysis_duration_seconds_count\{[^}]*\} (\d+)/gm)) total += Number(match[1]);
  return total;
}

/** The app process's RSS from /metrics every 200 ms; stop() returns the peak in MiB (and can be called again). */
function sampleRss(app: BenchApp): { stop(): Promise<number> } {
  let peak = 0;
  let stopped: Promise<number> | null = null;
  const read = async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    peak = Math.max(peak, Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1] ?? 0));
  };
  const timer = setInterval(() => void read().catch(() => {}), 200);
  return {
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        await read().catch(() => {});
        return peak / 2 ** 20;
      })()),
  };
}

async function disposeQuietly(database: BenchDatabase | null): Promise<void> {
  await database?.dispose().catch(() => {});
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, value) => total + value, 0);
const rounded = (loads: number[]) => loads.map((load) => Math.round(load * 100) / 100);

/** The printed report: one block per side, then the ratio. */
export function formatImportReport(results: ImportBenchResults): string {
  const { machine, baseline, compared, options } = results;
  const s = (seconds: number) => `${seconds.toFixed(1)} s`;
  const rate = (value: number) => `${value.toFixed(3)} items/s`;
  const codes = (counts: Record<string, number>) =>
    Object.keys(counts).length === 0 ? "" : ` (${Object.entries(counts).map(([code, n]) => `${code} x${n}`).join(", ")})`;
  const lines = [
    `bench:import: ${options.items} distinct photos served by a local HTTP server; addProduct (baseline) against one importProducts call, ` +
      `each side on a fresh app (${results.database})`,
    `machine   ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB; node ${machine.node}; load ${machine.loadAverage.join(" ")} at the start`,
    `order     ${results.order.join(", then ")} (ran first: ${results.order[0]})`,
  ];
  if (baseline) {
    lines.push(
      "",
      `baseline: addProduct, multipart uploads of the same files, ${baseline.concurrency} in flight (load ${baseline.loadAverage.start.join(" ")} -> ${baseline.loadAverage.end.join(" ")})`,
      `  upload errors:               ${baseline.uploadErrors}${codes(baseline.uploadErrorCodes)}`,
      `  all uploads accepted after:  ${s(baseline.uploadsAcceptedSeconds)}`,
      `  analyses failed:             ${baseline.analysisFailures}${codes(baseline.analysisFailureCodes)}`,
      `  end to end (last READY):     ${s(baseline.endToEndSeconds)} = ${rate(baseline.itemsPerSecond)} (${baseline.ready} READY; ${baseline.analysisAttempts} analysis attempts)`,
      `  peak RSS of the app:         ${baseline.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  if (compared) {
    const run = (label: string, result: ImportRun) => [
      `${label}`,
      `  importProducts answered in:  ${result.callSeconds.toFixed(2)} s`,
      `  end to end (finished):       ${s(result.endToEndSeconds)} = ${rate(result.itemsPerSecond)}`,
      `  items:                       ${result.counts.done} done, ${result.counts.skipped} skipped, ${result.counts.failed} failed of ${result.counts.total}` +
        `${codes(result.failureCodes)}; ${result.analysisAttempts} analysis attempts; ${result.progressEvents} importProgress events`,
      ...result.failureSamples.map((failure) => `  failed item ${failure.index}: ${failure.code}: ${failure.message}`),
    ];
    lines.push(
      "",
      ...run(`compared: importProducts, one call with all ${compared.items} items (load ${compared.loadAverage.start.join(" ")} -> ${compared.loadAverage.end.join(" ")})`, compared.import),
      ...run(`re-import: the same ${compared.items} items again, same app (should all be SKIPPED, nothing analysed)`, compared.reimport),
      `  peak RSS of the app:         ${compared.peakRssMiB.toFixed(0)} MiB (both imports)`,
    );
  }
  lines.push("");
  if (baseline && compared) {
    lines.push("| side | end to end | items/s | ready after | errors |", "|---|---|---|---|---|");
    lines.push(`| addProduct (baseline) | ${s(baseline.endToEndSeconds)} | ${baseline.itemsPerSecond.toFixed(3)} | uploads accepted ${s(baseline.uploadsAcceptedSeconds)} | ${baseline.uploadErrors + baseline.analysisFailures} |`);
    lines.push(`| importProducts | ${s(compared.import.endToEndSeconds)} | ${compared.import.itemsPerSecond.toFixed(3)} | call answered ${compared.import.callSeconds.toFixed(2)} s | ${compared.import.counts.failed} |`);
    lines.push(`| re-import (all SKIPPED) | ${s(compared.reimport.endToEndSeconds)} | ${compared.reimport.itemsPerSecond.toFixed(3)} | call answered ${compared.reimport.callSeconds.toFixed(2)} s | ${compared.reimport.counts.failed} |`);
    lines.push(`importProducts / addProduct (items/s end to end): ${results.ratio!.toFixed(3)}`);
  }
  if (results.reimportSpeedup !== null) lines.push(`re-import / first import (items/s end to end): ${results.reimportSpeedup.toFixed(1)}x`);
  lines.push(results.clean ? "clean: no upload refused, no analysis or import item failed, the re-import skipped every item and analysed nothing" : "NOT CLEAN: see the errors and failures above");
  lines.push(`total ${results.totalSeconds.toFixed(0)} s`);
  return lines.join("\n");
}
