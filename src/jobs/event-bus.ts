import pg from "pg";

export type EventListener = (payload: unknown) => void;

/** Publish/subscribe by topic, delivered to every process on the database. */
export interface EventBus {
  publish(topic: string, payload: unknown): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(topic: string, listener: EventListener): () => void;
  /** Called after the bus reconnects: events sent while it was down are lost, so state must be re-read. */
  onReconnect(listener: () => void): () => void;
  /** Whether events are being received now (false from a lost connection's notice until it is back). */
  listening(): boolean;
  close(): Promise<void>;
}

const CHANNEL = "lookalike_events";

/**
 * The NOTIFY of an event, as an SQL expression, for a statement that publishes
 * in the same round trip as its write (and only if the write happens).
 * `payloadSql` is an SQL expression; `topic` a fixed name, not user input.
 */
export function publishSql(topic: string, payloadSql: string): string {
  return `pg_notify('${CHANNEL}', json_build_object('topic', '${topic}', 'payload', ${payloadSql})::text)`;
}
const MAX_BACKOFF_MS = 5_000;

/**
 * PostgreSQL LISTEN/NOTIFY: every API process behind a load balancer gets
 * every event. One dedicated connection listens and reconnects by itself;
 * publishing goes through any connection (`execute`).
 */
export async function startPgEventBus(
  url: string,
  execute: (sql: string, params: unknown[]) => Promise<unknown>,
  log: { warn(object: object, message: string): void },
): Promise<EventBus> {
  const topics = new Map<string, Set<EventListener>>();
  const reconnectListeners = new Set<() => void>();
  let client: pg.Client | null = null;
  let closed = false;
  let backoffMs = 250;

  const deliver = (message: pg.Notification) => {
    if (message.channel !== CHANNEL || !message.payload) return;
    try {
      const { topic, payload } = JSON.parse(message.payload) as { topic: string; payload: unknown };
      for (const listener of topics.get(topic) ?? []) listener(payload);
    } catch (error) {
      log.warn({ err: error }, "ignored a malformed event");
    }
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, keepAlive: true });
    next.on("notification", deliver);
    next.on("error", () => void reconnect(next));
    next.on("end", () => void reconnect(next));
    await next.connect();
    await next.query(`listen ${CHANNEL}`);
    client = next;
    backoffMs = 250;
  };

  const reconnect = async (broken: pg.Client): Promise<void> => {
    if (closed || client !== broken) return;
    client = null;
    broken.removeAllListeners();
    broken.on("error", () => {}); // a dead client may still report errors; they are expected
    broken.end().catch(() => {});
    while (!closed && !client) {
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      try {
        await connect();
        for (const listener of reconnectListeners) listener();
      } catch (error) {
        log.warn({ err: error, retryInMs: backoffMs }, "event bus cannot reach the database; retrying");
      }
    }
  };

  await connect();
  return {
    publish: async (topic, payload) => {
      await execute("select pg_notify(?, ?)", [CHANNEL, JSON.stringify({ topic, payload })]);
    },
    subscribe: (topic, listener) => {
      const listeners = topics.get(topic) ?? new Set();
      topics.set(topic, listeners.add(listener));
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) topics.delete(topic);
      };
    },
    onReconnect: (listener) => {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    listening: () => client !== null && !closed,
    close: async () => {
      closed = true;
      const current = client;
      client = null;
      current?.removeAllListeners();
      current?.on("error", () => {});
      await current?.end().catch(() => {});
    },
  };
}
