/**
 * The subscriber side of bench:http's idle-subscriber phase, run in a process
 * of its own (so its sockets and memory are not the app's): opens
 * SUBSCRIBERS graphql-ws connections to APP_URL, each subscribed to
 * `productAdded` (with API_KEY in connection_init, if set), then reports on stdout, as JSON lines:
 * - {"connected": n} once every connection is acknowledged;
 * - {"listening": n} once every subscriber has received an event (so each
 *   subscription is live on the server: the bench publishes until then),
 *   then {"quiet": true} once no event has arrived for QUIET_MS (what was
 *   published meanwhile has all arrived);
 * - after a "mark" line on stdin: {"fanOut": {firstAt, lastAt}} once every
 *   subscriber has received one event more than it had at the mark (wall
 *   clock, ms).
 * It exits when its stdin closes.
 */
import WebSocket from "ws";

const url = `${process.env.APP_URL!.replace(/^http/, "ws")}/graphql`;
const count = Number(process.env.SUBSCRIBERS);
/** Connections opened at once: enough to be quick, few enough not to flood the accept queue. */
const OPENING_AT_ONCE = 200;
const SUBSCRIBE = JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { productAdded { id sourceUrl tags } }" } });
const QUIET_MS = 1_000;
const CONNECTION_INIT = JSON.stringify({ type: "connection_init", payload: process.env.API_KEY ? { apiKey: process.env.API_KEY } : {} });

const now = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
const receipts: number[][] = [];
const failures: string[] = [];

/**
 * One subscriber, speaking graphql-ws's protocol over a bare socket (a
 * client library would cost this process more per message than the app
 * spends, and this process shares the machine with it).
 */
function subscribe(index: number): Promise<void> {
  receipts[index] = [];
  return new Promise((acknowledged, failed) => {
    const socket = new WebSocket(url, "graphql-transport-ws");
    sockets.push(socket);
    socket.on("open", () => socket.send(CONNECTION_INIT));
    socket.on("error", failed);
    socket.on("close", (code) => failed(new Error(`closed ${code}`)));
    socket.on("message", (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"connection_ack"')) {
        socket.send(SUBSCRIBE);
        acknowledged();
      } else if (text.includes('"type":"next"')) {
        if (text.includes('"errors"')) failures.push(text.slice(0, 300));
        received(index);
      } else if (!text.includes('"type":"ping"') && !text.includes('"type":"pong"')) {
        failures.push(text.slice(0, 300));
      }
    });
  });
}

let withAReceipt = 0;
/** Each subscriber's receipts at the last "mark", while a fan-out is awaited, and how many are still awaited. */
let marked: number[] | null = null;
let awaited = 0;
let firstAt = Infinity;
let lastAt = 0;
let lastReceiptAt = 0;
function received(index: number): void {
  const seen = receipts[index]!;
  seen.push((lastReceiptAt = now()));
  if (seen.length === 1 && ++withAReceipt === count) {
    console.log(JSON.stringify({ listening: count }));
    const quiet = setInterval(() => {
      if (now() - lastReceiptAt < QUIET_MS) return;
      clearInterval(quiet);
      console.log(JSON.stringify({ quiet: true }));
    }, 100);
  }
  if (marked && seen.length === marked[index]! + 1) {
    firstAt = Math.min(firstAt, seen[seen.length - 1]!);
    lastAt = Math.max(lastAt, seen[seen.length - 1]!);
    if (--awaited === 0) reportFanOut();
  }
}

function reportFanOut(): void {
  marked = null;
  console.log(JSON.stringify({ fanOut: { firstAt, lastAt }, failures: failures.slice(0, 3), failureCount: failures.length }));
}

let next = 0;
async function opener(): Promise<void> {
  while (next < count) await subscribe(next++);
}
await Promise.all(Array.from({ length: Math.min(OPENING_AT_ONCE, count) }, opener));
console.log(JSON.stringify({ connected: sockets.length }));
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  if (chunk.includes("mark")) {
    marked = receipts.map((seen) => seen.length);
    awaited = count;
    firstAt = Infinity;
    lastAt = 0;
  }
});
process.stdin.on("end", async () => {
  for (const socket of sockets) socket.removeAllListeners("close").terminate();
  process.exit(0);
});
