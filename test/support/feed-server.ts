import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What a path answers: an image's bytes, a redirect, or a status. */
export type FeedResponse = { body: Uint8Array; type?: string } | { redirect: string } | { status: number };

export interface FeedServer {
  origin: string;
  /** Sets what a path answers (a path not set answers 404). */
  set(path: string, response: FeedResponse): void;
  /** The paths requested so far, in order. */
  requests: string[];
  /** Holds every response until release() (so a test can subscribe before anything settles). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** A shop's image host: a real HTTP server on loopback, serving what the test sets. */
export async function startFeedServer(): Promise<FeedServer> {
  const responses = new Map<string, FeedResponse>();
  const requests: string[] = [];
  let gate: Promise<void> | null = null;
  let open: () => void = () => {};
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://feed").pathname;
    requests.push(path);
    void (gate ?? Promise.resolve()).then(() => {
      const answer = responses.get(path) ?? { status: 404 };
      if ("redirect" in answer) response.writeHead(302, { location: answer.redirect }).end();
      else if ("status" in answer) response.writeHead(answer.status).end();
      else response.writeHead(200, { "content-type": answer.type ?? "image/png", "content-length": answer.body.byteLength }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    set: (path, response) => void responses.set(path, response),
    requests,
    hold: () => void (gate ??= new Promise<void>((resolve) => (open = resolve))),
    release: () => {
      open();
      gate = null;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
