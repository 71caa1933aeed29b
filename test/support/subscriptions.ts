import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface Subscription<T> {
  /** Every payload received so far, in order. */
  received: Array<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  /** Resolves when the server completes the subscription (or rejects on a socket error). */
  completed: Promise<void>;
  /** Resolves once a payload satisfies the predicate. */
  until(predicate: (data: T) => boolean, timeoutMs?: number): Promise<void>;
  dispose(): void;
}

/** A real graphql-ws client (createClient) against the app's /graphql. */
export function subscriptionsClient(httpUrl: string): Client {
  return createClient({ url: `${httpUrl.replace(/^http/, "ws")}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

export function subscribe<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const received: Subscription<T>["received"] = [];
  const waiters = new Set<() => void>();
  let dispose: () => void = () => {};
  const completed = new Promise<void>((resolve, reject) => {
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          received.push(value as Subscription<T>["received"][number]);
          for (const wake of waiters) wake();
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(),
      },
    );
  });
  completed.catch(() => {});
  return {
    received,
    completed,
    dispose: () => dispose(),
    until: (predicate, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.some((value) => value.data && predicate(value.data))) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(received)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}
