import { createServer as createHttpServer, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";

/**
 * A real HTTP server on a loopback address, serving what the fetcher's tests
 * need: an image, redirects, errors, bodies over the cap, stalls. It counts
 * connections, so a test can prove a refusal happened before any connect.
 */
export interface ImageServer {
  /** e.g. http://127.0.0.1:1234 or http://[::1]:1234 */
  origin: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

export async function startImageServer(host: "127.0.0.1" | "::1", png: Buffer, maxBytes: number): Promise<ImageServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createHttpServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    const path = url.pathname;
    if (path.endsWith(".png")) {
      response.writeHead(200, { "content-type": "image/png", "content-length": png.length }).end(png);
    } else if (path === "/redirect") {
      response.writeHead(302, { location: url.searchParams.get("to") ?? "/" }).end();
    } else if (path === "/loop") {
      response.writeHead(302, { location: "/loop" }).end();
    } else if (path.startsWith("/chain/")) {
      const left = Number(path.slice("/chain/".length));
      response.writeHead(301, { location: left > 1 ? `/chain/${left - 1}` : "/end.png" }).end();
    } else if (path === "/big-declared") {
      // Truthful: it says more than the cap, and would send it all.
      response.writeHead(200, { "content-type": "image/png", "content-length": maxBytes + 1 });
      sendBytes(response, maxBytes + 1);
    } else if (path === "/big-chunked") {
      // No Content-Length (so chunked), and one byte over: a cap that is not exact lets it through.
      response.writeHead(200, { "content-type": "image/png" });
      sendBytes(response, maxBytes + 1);
    } else if (path === "/stall-body") {
      response.writeHead(200, { "content-type": "image/png" });
      response.write(png.subarray(0, 16)); // the headers and a first chunk, then nothing, ever
    } else if (path === "/stall-headers") {
      // no answer at all
    } else {
      response.writeHead(Number(url.searchParams.get("status") ?? 404)).end();
    }
  });
  server.on("connection", (socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes `total` bytes in 16 KiB chunks, as fast as the client reads. */
function sendBytes(response: ServerResponse, total: number): void {
  const chunk = Buffer.alloc(16 * 1024, 0x42);
  let sent = 0;
  const write = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!response.write(sent > total ? chunk.subarray(0, chunk.length - (sent - total)) : chunk)) return;
    }
    response.end();
  };
  response.on("drain", write);
  write();
}

/**
 * A raw TCP server answering every connection with a 200, no Content-Length
 * and no chunking, then bytes until the client hangs up: the body is
 * delimited by the connection's close, the oldest way for a length to be absent.
 */
export async function startCloseDelimitedServer(): Promise<{ origin: string; cutOff: () => number; close(): Promise<void> }> {
  let cutOff = 0;
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    const chunk = Buffer.alloc(16 * 1024, 0x42);
    let open = true;
    socket.on("error", () => {});
    socket.on("close", () => {
      open = false;
      cutOff += 1;
      sockets.delete(socket);
    });
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: image/png\r\nconnection: close\r\n\r\n");
      const write = () => {
        while (open && socket.write(chunk));
      };
      socket.on("drain", write);
      write();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cutOff: () => cutOff,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
