/**
 * Preloaded (`--import`) into the capture app of bench:http's gateway-tax
 * baseline (http-capture.ts), never into the app under load: it records
 * every SQL statement the app sends through `pg` while it serves a request
 * that carries the header `x-bench-capture`, tagged with that header's
 * value, to the file named by BENCH_HTTP_CAPTURE_FILE, one JSON line each.
 *
 * The tag follows the request through the app's async calls
 * (AsyncLocalStorage, entered where node's HTTP server emits the request):
 * statements of the job queue, the event bus or timers carry no tag and are
 * left out. The values are stored as `pg` sends them (its prepareValue), so
 * a replay sends the same bytes.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync } from "node:fs";
import http from "node:http";
import pg from "pg";

export interface CapturedStatement {
  tag: string;
  /** Order in which the process sent its statements. */
  seq: number;
  text: string;
  /** As sent: text, null, or a Buffer written { base64 }. */
  values: Array<string | null | { base64: string }>;
  /** A named (prepared) statement's name, when the app gave one. */
  name?: string;
  rowMode?: string;
  /** process.hrtime in ms when the statement was handed to pg, and when its answer (or error) came back. */
  sentMs: number;
  doneMs: number | null;
  failed: boolean;
}

const file = process.env.BENCH_HTTP_CAPTURE_FILE;
if (!file) throw new Error("BENCH_HTTP_CAPTURE_FILE is not set: the capture hook has nowhere to write");

const requestTag = new AsyncLocalStorage<string>();
const originalEmit = http.Server.prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
http.Server.prototype.emit = function emit(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === "request") {
    const tag = (args[0] as http.IncomingMessage).headers["x-bench-capture"];
    if (typeof tag === "string") return requestTag.run(tag, () => originalEmit.call(this, event, ...args));
  }
  return originalEmit.call(this, event, ...args);
} as typeof http.Server.prototype.emit;

const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;
const now = () => Number(process.hrtime.bigint()) / 1e6;
let seq = 0;

type QueryConfig = { text?: string; values?: unknown[]; name?: string; rowMode?: string; callback?: unknown; submit?: unknown };
type Callback = (error: unknown, result: unknown) => void;
const originalQuery = pg.Client.prototype.query as unknown as (this: pg.Client, ...args: unknown[]) => unknown;

(pg.Client.prototype as unknown as { query: unknown }).query = function query(this: pg.Client, ...args: unknown[]): unknown {
  const tag = requestTag.getStore();
  if (tag === undefined) return originalQuery.apply(this, args);
  const [config, second] = args;
  const asConfig: QueryConfig = typeof config === "string" ? { text: config } : ((config ?? {}) as QueryConfig);
  const rawValues = Array.isArray(second) ? second : (asConfig.values ?? []);
  const record: CapturedStatement = {
    tag,
    seq: seq++,
    text: asConfig.text ?? "",
    values: rawValues.map((value) => {
      const prepared = prepareValue(value);
      if (Buffer.isBuffer(prepared)) return { base64: prepared.toString("base64") };
      return prepared === null || prepared === undefined ? null : String(prepared);
    }),
    ...(asConfig.name ? { name: asConfig.name } : {}),
    ...(asConfig.rowMode ? { rowMode: asConfig.rowMode } : {}),
    sentMs: now(),
    doneMs: null,
    failed: false,
  };
  const finish = (error: unknown) => {
    record.doneMs = now();
    record.failed = Boolean(error);
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  };
  // The callback may be the last argument, or the config's own (a Submittable, or knex's { text, values } with a callback after it).
  const callbackIndex = args.findIndex((arg, index) => index > 0 && typeof arg === "function");
  if (callbackIndex > 0) {
    const callback = args[callbackIndex] as Callback;
    args[callbackIndex] = (error: unknown, result: unknown) => {
      finish(error);
      callback(error, result);
    };
    return originalQuery.apply(this, args);
  }
  if (typeof asConfig.submit === "function" && typeof asConfig.callback === "function") {
    const callback = asConfig.callback as Callback;
    asConfig.callback = (error: unknown, result: unknown) => {
      finish(error);
      callback(error, result);
    };
    return originalQuery.apply(this, args);
  }
  const result = originalQuery.apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === "function") {
    (result as Promise<unknown>).then(
      () => finish(null),
      (error: unknown) => finish(error ?? new Error("failed")),
    );
  } else {
    // A Submittable without a callback (a cursor, a stream): its end is not watched.
    finish(null);
  }
  return result;
};
