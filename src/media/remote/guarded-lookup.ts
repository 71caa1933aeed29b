import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import type { AddressPolicy } from "./address-policy.js";
import { ImportUrlForbiddenError } from "./errors.js";

/**
 * The socket's own `lookup`: the name is resolved once, here, and the socket
 * connects to what this returns, so the address checked is the address
 * connected to (a DNS answer that changes between a check and the connect,
 * "DNS rebinding", has nothing to slip through). Every address of the answer
 * must pass, not just the first: Node may try each (happy eyeballs), and a
 * name with one public and one private record is someone's trick.
 */
export function guardedLookup(resolve: LookupFunction, policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, found, family) => {
      if (error) return callback(error, "");
      const addresses: LookupAddress[] = Array.isArray(found) ? found : [{ address: found, family: family ?? 0 }];
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "");
      if (!addresses.every(({ address }) => policy.allowsAddress(address))) {
        // A DomainError in a Node error slot: the socket is destroyed with it as is, before any connect.
        return callback(forbiddenAddress(hostname) as NodeJS.ErrnoException, "");
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses as [LookupAddress];
      return callback(null, first.address, first.family);
    });
  };
}

/** The host only, never the address: which private address a name resolves to is not the client's business. */
export function forbiddenAddress(host: string): ImportUrlForbiddenError {
  return new ImportUrlForbiddenError(`The host ${host} is not a public address; images are only fetched from public hosts.`, {
    reason: "address",
    host,
  });
}
