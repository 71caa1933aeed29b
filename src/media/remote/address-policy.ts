import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/**
 * Which hosts and addresses a fetch may reach. By default only globally
 * routable unicast addresses: ipaddr.js's range table names every special
 * block (loopback, private, link-local and so the cloud metadata address,
 * carrier-grade NAT, unique-local, multicast, NAT64, 6to4, Teredo, reserved…)
 * and anything it names is refused. Deny by default means a block we never
 * thought of is refused too.
 *
 * The allow-list (IMPORT_FETCH_ALLOW_HOSTS) is for the operator's own image
 * hosts inside the network, and for tests serving from loopback: a host name
 * on it skips the address check entirely (the operator vouches for that name
 * and whatever it resolves to); an address or CIDR on it lets exactly those
 * addresses through, whatever name led there.
 */
export class AddressPolicy {
  private readonly names: ReadonlySet<string>;
  private readonly ranges: readonly Cidr[];

  constructor(allowHosts: readonly string[] = []) {
    const names = new Set<string>();
    const ranges: Cidr[] = [];
    for (const raw of allowHosts) {
      const entry = parseAllowEntry(raw);
      if (entry === null) throw new Error(`not a host name, address or CIDR: "${raw}"`);
      if (typeof entry === "string") names.add(entry);
      else ranges.push(entry);
    }
    this.names = names;
    this.ranges = ranges;
  }

  /** Whether this host name was allowed by name, so that its addresses are not checked. */
  trustsHostName(hostname: string): boolean {
    return this.names.has(normaliseHostName(hostname));
  }

  /** Whether a connection to this IP address (as DNS or the URL gave it) may be made. */
  allowsAddress(address: string): boolean {
    if (!ipaddr.isValid(address)) return false;
    // process() turns IPv4-mapped IPv6 (::ffff:10.0.0.1) into the IPv4 it stands for.
    const ip = ipaddr.process(address);
    if (this.ranges.some((range) => ip.kind() === range[0].kind() && ip.match(range))) return true;
    return ip.range() === "unicast" && !isIpv4Compatible(ip);
  }
}

/** Why an allow-list entry is unusable, or null when it is fine (for config validation). */
export function allowEntryProblem(raw: string): string | null {
  return parseAllowEntry(raw) === null ? `"${raw}" is not a host name, an IP address or a CIDR` : null;
}

/** A host name (lower case), or an address range; null when it is neither. */
function parseAllowEntry(raw: string): string | Cidr | null {
  const entry = raw.trim();
  // Strict forms only: ipaddr.js also takes "1" or "0x7f.1" as IPv4, which no one means in a list.
  if (ipaddr.IPv4.isValidCIDRFourPartDecimal(entry) || (entry.includes(":") && ipaddr.IPv6.isValidCIDR(entry))) {
    return ipaddr.parseCIDR(entry);
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(entry) || (entry.includes(":") && ipaddr.IPv6.isValid(entry))) {
    const ip = ipaddr.parse(entry);
    return [ip, ip.kind() === "ipv4" ? 32 : 128];
  }
  const name = normaliseHostName(entry);
  const labels = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name);
  // A URL whose last label is a number is an IPv4 address to the URL parser ("1" is 0.0.0.1): no such name can match.
  const numeric = /^(\d+|0x[0-9a-f]*)$/.test(name.split(".").pop() ?? "");
  return labels && !numeric ? name : null;
}

function normaliseHostName(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, "");
}

/**
 * ::a.b.c.d (deprecated IPv4-compatible IPv6, ::/96) is "unicast" to ipaddr.js,
 * but stands for an IPv4 address some stacks may still route to; refused.
 */
function isIpv4Compatible(ip: Address): boolean {
  return ip.kind() === "ipv6" && ip.match(ipaddr.parseCIDR("::/96"));
}
