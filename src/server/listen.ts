import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Starts `server` on `host`:`port` (0: any free port) and says where: the
 * bound port, and a URL a person on this machine can open (a wildcard host
 * is shown as localhost).
 */
export async function listen(server: Server, host: string, port: number): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  return { url: `http://${shownHost}:${bound}`, port: bound };
}
