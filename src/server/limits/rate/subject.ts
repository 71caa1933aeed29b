import { isIPv4, isIPv6 } from "node:net";
import type { RequestAuth } from "../../../auth/request-auth.js";

/**
 * Whose bucket a request draws on: its API key, or, for an anonymous request
 * (possible only with AUTH=off), its client address. An IPv6 client counts
 * by its /64, the block one host is usually given, so that walking through
 * the addresses of one's own network does not multiply the budget.
 */
export function rateLimitSubject(auth: RequestAuth, clientAddress: string | null): string {
  if (auth.key) return `key:${auth.key.id}`;
  return `address:${addressBlock(clientAddress ?? "")}`;
}

export function addressBlock(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address === "" ? "unknown" : address;
  return `${expandIPv6(address.split("%")[0]!).slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, "::" filled in, as lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.toLowerCase().split("::");
  const part = (text: string) => (text === "" ? [] : text.split(":"));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return groups.map((group) => (group.includes(".") ? group : Number.parseInt(group, 16).toString(16)));
}
