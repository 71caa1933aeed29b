import { createServer, connect, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Cuts every connection and refuses new ones, to stage an outage. */
  cut(): void;
  /**
   * Cuts every connection open now, then accepts new ones but holds them
   * silent: nothing is forwarded and nothing answered, as with a server that
   * hangs. A request sent then waits until restore() or stop().
   */
  stall(): void;
  /** How many connections stall() is holding now. */
  stalled(): number;
  /** Lets connections through again; held ones are connected and what they sent is delivered. */
  restore(): void;
  stop(): Promise<void>;
}

/** A loopback TCP proxy that can cut every connection, or hold them, to stage an outage or a hang. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const held = new Set<Socket>();
  let mode: "flowing" | "down" | "stalled" = "flowing";
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const forward = (client: Socket) => {
    const upstream = connect(targetPort, "127.0.0.1");
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  const server = createServer((client) => {
    if (mode === "down") return void client.destroy();
    track(client);
    if (mode === "stalled") {
      client.pause(); // what it sends stays buffered until restore()
      held.add(client);
      client.on("close", () => held.delete(client));
      return;
    }
    forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("proxy did not bind");
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: address.port,
    cut: () => {
      mode = "down";
      destroyAll();
    },
    stall: () => {
      mode = "stalled";
      destroyAll();
    },
    stalled: () => held.size,
    restore: () => {
      mode = "flowing";
      for (const client of held) {
        held.delete(client);
        if (!client.destroyed) forward(client);
      }
    },
    stop: () => new Promise((resolve) => {
      destroyAll();
      server.close(() => resolve());
    }),
  };
}
