/**
 * bench:http's idle-subscriber phase: frontends keep a socket open per tab,
 * subscribed to `productAdded`. Holds `subscribers` graphql-ws clients (in a
 * process of their own: bench/subscriber-clients.ts) on one app process, and
 * measures what each costs the app in resident memory, and how long one
 * event takes to reach all of them.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import pg from "pg";
import { topics } from "../src/jobs/analysis-events.js";
import { publishSql } from "../src/jobs/event-bus.js";

export interface IdleSubscribersResult {
  subscribers: number;
  /** The app's resident set before the clients connected, and with all of them listening (MiB). */
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** (after - before) / subscribers. */
  rssPerSubscriberKiB: number;
  /** From the NOTIFY of one product-ready event to its arrival at the first and at the last subscriber (ms). */
  fanOutFirstMs: number;
  fanOutLastMs: number;
  /** Events that arrived as GraphQL errors (each should be a product). */
  failures: number;
  firstFailures: string[];
}

/** After the clients listen, how long the app is left to settle (GC, buffers) before its RSS is read. */
const SETTLE_MS = 3_000;
/** How often the warm-up event is published until every subscriber has one. */
const WARM_UP_EVERY_MS = 2_000;

export async function measureIdleSubscribers(options: {
  appUrl: string;
  appPid: number;
  databaseUrl: string;
  /** Sent in connection_init when the app requires a key. */
  apiKey?: string;
  /** A product the events name (productAdded resolves it for every subscriber). */
  productId: string;
  subscribers: number;
  progress: (message: string) => void;
}): Promise<IdleSubscribersResult> {
  const { progress } = options;
  const database = new pg.Client({ connectionString: options.databaseUrl });
  await database.connect();
  const publish = () => database.query(`select ${publishSql(topics.productReady, "json_build_object('productId', $1::text)")}`, [options.productId]);
  const clients = spawn(process.execPath, ["--import", "tsx", "bench/subscriber-clients.ts"], {
    env: { ...process.env, APP_URL: options.appUrl, SUBSCRIBERS: String(options.subscribers), API_KEY: options.apiKey ?? "" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: clients.stdout! })[Symbol.asyncIterator]();
  const nextMessage = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error("the subscriber clients exited early");
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  try {
    await sleep(SETTLE_MS);
    const rssBefore = await residentMiB(options.appPid);
    progress(`subscribers: opening ${options.subscribers} graphql-ws connections (app RSS ${rssBefore.toFixed(0)} MiB)`);
    await nextMessage(); // connected
    // A subscription is live once the server has handled its subscribe message: publish until every one has had an event.
    const warmUp = setInterval(() => void publish(), WARM_UP_EVERY_MS);
    void publish();
    try {
      await nextMessage(); // listening
    } finally {
      clearInterval(warmUp);
    }
    await nextMessage(); // quiet: the warm-up events have all arrived
    await sleep(SETTLE_MS);
    const rssAfter = await residentMiB(options.appPid);
    progress(`subscribers: ${options.subscribers} listening (app RSS ${rssAfter.toFixed(0)} MiB); timing one event's fan-out`);
    clients.stdin!.write("mark\n");
    await sleep(100); // the mark is read before the event can arrive
    const sentAt = performance.timeOrigin + performance.now();
    await publish();
    const result = await nextMessage();
    const fanOut = result.fanOut as { firstAt: number; lastAt: number };
    return {
      subscribers: options.subscribers,
      rssBeforeMiB: rssBefore,
      rssAfterMiB: rssAfter,
      rssPerSubscriberKiB: ((rssAfter - rssBefore) * 1024) / options.subscribers,
      fanOutFirstMs: fanOut.firstAt - sentAt,
      fanOutLastMs: fanOut.lastAt - sentAt,
      failures: Number(result.failureCount),
      firstFailures: result.failures as string[],
    };
  } finally {
    clients.stdin!.end();
    await new Promise((resolve) => clients.once("exit", resolve));
    await database.end();
  }
}

async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
