import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction, Socket } from "node:net";
import type { AddressPolicy } from "./address-policy.js";
import { forbiddenAddress, guardedLookup } from "./guarded-lookup.js";
import { ipLiteral, socketHost } from "./remote-url.js";

/**
 * One GET, with no redirect followed, resolving with the response once its
 * headers arrive. The address is checked before any packet leaves: an IP
 * literal here (Node connects to literals without a lookup), a name in the
 * socket's lookup (guarded-lookup.ts). Once connected, the peer's address is
 * checked again, so a path we did not foresee cannot send the request.
 */
export function guardedGet(url: URL, policy: AddressPolicy, resolve: LookupFunction, signal: AbortSignal): Promise<http.IncomingMessage> {
  const host = socketHost(url);
  const trusted = policy.trustsHostName(host);
  const literal = ipLiteral(url);
  if (!trusted && literal !== null && !policy.allowsAddress(literal)) return Promise.reject(forbiddenAddress(host));
  const get = url.protocol === "https:" ? https.get : http.get;
  return new Promise((accept, reject) => {
    const request = get(
      url,
      {
        // A fresh agent per request: no pooled socket, opened for another URL, is ever reused.
        agent: false,
        lookup: trusted ? resolve : guardedLookup(resolve, policy),
        signal,
        // identity: the bytes counted against the cap are the bytes stored.
        headers: { accept: "image/*", "accept-encoding": "identity", "user-agent": "Lookalike-Import" },
      },
      accept,
    );
    request.on("error", reject);
    if (!trusted) {
      request.on("socket", (socket: Socket) => {
        socket.once("connect", () => {
          if (!policy.allowsAddress(socket.remoteAddress ?? "")) request.destroy(forbiddenAddress(host));
        });
      });
    }
  });
}
