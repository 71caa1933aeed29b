import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { lookup as dnsLookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { DomainError } from "../../errors.js";
import { AddressPolicy } from "./address-policy.js";
import { ImportFetchFailedError, ImportUrlForbiddenError } from "./errors.js";
import { guardedGet } from "./guarded-get.js";
import type { FetchedFile, RemoteImageSource } from "./remote-image-source.js";
import { parseRemoteUrl, socketHost } from "./remote-url.js";
import { saveCapped } from "./save-capped.js";

export interface HttpImageFetcherOptions {
  /** MAX_UPLOAD_BYTES: a fetched image is held to the same cap as an upload. */
  maxBytes: number;
  /** IMPORT_FETCH_TIMEOUT_MS: for the whole fetch, redirects and body included, so a slow body cannot hold a job. */
  timeoutMs: number;
  /** IMPORT_FETCH_MAX_REDIRECTS: redirects followed; one more is refused. */
  maxRedirects: number;
  /** IMPORT_FETCH_ALLOW_HOSTS: see address-policy.ts. */
  allowHosts?: readonly string[];
  /** The resolver behind the guarded lookup; the system's DNS unless a test simulates one. */
  lookup?: LookupFunction;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches images over http(s) for the import by URL, as safely as a server
 * can fetch what a client names: only public addresses (checked on the
 * address actually connected to, on every redirect), only http(s), at most
 * `maxBytes`, within `timeoutMs` in all, at most `maxRedirects` hops.
 */
export class HttpImageFetcher implements RemoteImageSource {
  private readonly policy: AddressPolicy;
  private readonly resolve: LookupFunction;

  constructor(private readonly options: HttpImageFetcherOptions) {
    this.policy = new AddressPolicy(options.allowHosts);
    this.resolve = options.lookup ?? (dnsLookup as LookupFunction);
  }

  async fetchTo(url: string, destination: string): Promise<FetchedFile> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    let host = url;
    try {
      const { response, finalUrl } = await this.follow(parseRemoteUrl(url), deadline.signal, (next) => (host = socketHost(next)));
      const byteSize = await saveCapped(response, destination, this.options.maxBytes, deadline.signal);
      return {
        filename: filenameOf(finalUrl),
        path: destination,
        url: finalUrl.href,
        byteSize,
        contentType: response.headers["content-type"],
        createReadStream: () => createReadStream(destination),
        discard: () => rm(destination, { force: true }),
      };
    } catch (error) {
      throw this.asFetchError(error, deadline.signal.aborted, host);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Requests `url`, following redirects; resolves with the final 200 response, its body unread. */
  private async follow(start: URL, signal: AbortSignal, visiting: (url: URL) => void): Promise<{ response: IncomingMessage; finalUrl: URL }> {
    let url = start;
    for (let redirects = 0; ; redirects += 1) {
      visiting(url);
      const response = await guardedGet(url, this.policy, this.resolve, signal);
      const status = response.statusCode ?? 0;
      if (status === 200) return { response, finalUrl: url };
      // Nothing more is read from a response we do not keep: its socket is closed now.
      response.destroy();
      const location = response.headers.location;
      if (!REDIRECTS.has(status) || !location) {
        throw new ImportFetchFailedError(`The image URL answered HTTP ${status}.`, { reason: "http_status", status, url: url.href });
      }
      if (redirects >= this.options.maxRedirects) {
        throw new ImportUrlForbiddenError(`The image URL redirected more than ${this.options.maxRedirects} times.`, {
          reason: "too_many_redirects",
          maxRedirects: this.options.maxRedirects,
        });
      }
      // Checked like the first URL: scheme and credentials here, the address when guardedGet connects.
      url = parseRemoteUrl(location, url);
    }
  }

  private asFetchError(error: unknown, timedOut: boolean, host: string): DomainError {
    if (error instanceof DomainError) return error;
    if (timedOut) {
      return new ImportFetchFailedError(`The image was not fetched within ${this.options.timeoutMs} ms.`, {
        reason: "timeout",
        timeoutMs: this.options.timeoutMs,
      });
    }
    const errorCode = (error as { code?: unknown } | null)?.code;
    return new ImportFetchFailedError(
      `The image could not be fetched from ${host}${typeof errorCode === "string" ? ` (${errorCode})` : ""}.`,
      { reason: "network", host, ...(typeof errorCode === "string" ? { errorCode } : {}) },
      { cause: error },
    );
  }
}

/** The last path segment, for messages and the photo's original name; "image" when there is none. */
function filenameOf(url: URL): string {
  const last = url.pathname.split("/").pop() ?? "";
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  name = name.replace(/[\u0000-\u001f\u007f/\\]/g, "").slice(0, 200);
  return name || "image";
}
