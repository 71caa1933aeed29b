import { isIP } from "node:net";
import { ImportUrlForbiddenError } from "./errors.js";

/**
 * Parses a URL to fetch (the caller's, or a redirect's Location resolved
 * against the URL that sent it) and refuses what no fetch may start from:
 * a scheme other than http(s), and credentials in the URL (they would be
 * sent as Basic auth to whoever the URL names, and kept in the import's
 * records and logs). The WHATWG parser also writes odd IPv4 forms
 * (2130706433, 0x7f.1) as dotted decimals, so the address check sees them.
 */
export function parseRemoteUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new ImportUrlForbiddenError("The image URL is not a valid absolute URL.", { reason: "malformed_url", url: text });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ImportUrlForbiddenError(`Only http and https image URLs can be fetched, not ${url.protocol}.`, {
      reason: "scheme",
      url: url.href,
    });
  }
  if (url.username || url.password) {
    throw new ImportUrlForbiddenError("Image URLs with a user name or password are refused.", { reason: "credentials", url: redacted(url) });
  }
  return url;
}

/** The host as the socket layer takes it: IPv6 literals without their brackets. */
export function socketHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** When the host is an IP literal Node connects without calling the lookup, so the literal is checked instead. */
export function ipLiteral(url: URL): string | null {
  const host = socketHost(url);
  return isIP(host) === 0 ? null : host;
}

function redacted(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}
