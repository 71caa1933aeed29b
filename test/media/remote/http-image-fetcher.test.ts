import type { LookupAddress } from "node:dns";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import type { LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { receiveImage } from "../../../src/media/image-intake.js";
import { IncomingFiles } from "../../../src/media/incoming-files.js";
import { HttpImageFetcher, type HttpImageFetcherOptions } from "../../../src/media/remote/http-image-fetcher.js";
import { sha256, solidPng } from "../../support/images.js";
import { startCloseDelimitedServer, startImageServer, type ImageServer } from "./image-server.js";

// Real HTTP throughout: servers on loopback, the fetcher's own sockets. Addresses
// outside this machine (10.0.0.1, 169.254.169.254…) appear only in URLs and
// simulated DNS answers that must be refused before any connect: were the check
// broken, a test would try to reach them, so they are only ever tried here with
// the check in place (the loopback cases are the ones to break it against).
const MAX_BYTES = 64 * 1024;
const limits = { maxBytes: MAX_BYTES, timeoutMs: 5_000, maxRedirects: 3 };

let png: Buffer;
let v4: ImageServer;
let v6: ImageServer;

beforeAll(async () => {
  png = await solidPng(200, 40, 90);
  v4 = await startImageServer("127.0.0.1", png, MAX_BYTES);
  v6 = await startImageServer("::1", png, MAX_BYTES);
});

afterAll(async () => {
  await v4.close();
  await v6.close();
});

let n = 0;
/** Every folder a test made: a test may ask for several destinations. */
const dirs: string[] = [];
async function destination(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "lookalike-fetch-"));
  dirs.push(dir);
  n += 1;
  return path.join(dir, `incoming-${n}`);
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Fetches and expects a refusal with this code and reason, and no file left behind. */
async function refused(options: Partial<HttpImageFetcherOptions>, url: string, code: string, reason: string) {
  const target = await destination();
  const fetcher = new HttpImageFetcher({ ...limits, ...options });
  const started = Date.now();
  const error = await fetcher.fetchTo(url, target).then(
    () => null,
    (thrown: unknown) => thrown as { code?: string; details?: Record<string, unknown>; transient?: boolean; message: string },
  );
  expect(error, `${url} was fetched`).not.toBeNull();
  expect({ code: error!.code, reason: error!.details?.reason }, error!.message).toEqual({ code, reason });
  expect(await readdir(path.dirname(target))).toEqual([]);
  return { error: error!, elapsedMs: Date.now() - started };
}

/** A resolver that answers every name with these addresses: simulated DNS, handed to the real sockets. */
function dnsAnswering(...addresses: string[]): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = ((hostname, options, callback) => {
    calls.push(hostname);
    const answer: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    if (options.all) callback(null, answer);
    else callback(null, answer[0]!.address, answer[0]!.family);
  }) as LookupFunction & { calls: string[] };
  lookup.calls = calls;
  return lookup;
}

describe("HttpImageFetcher, allowed host", () => {
  const allowed = { allowHosts: ["127.0.0.1"] };

  it("fetches a PNG into the destination, as an upload the intake accepts", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "lookalike-fetch-storage-"));
    try {
      const incoming = new IncomingFiles(root);
      await incoming.init();
      const fetched = await new HttpImageFetcher({ ...limits, ...allowed }).fetchTo(`${v4.origin}/shoes/red%20shoe.png`, incoming.newPath());
      expect(fetched).toMatchObject({ filename: "red shoe.png", byteSize: png.length, contentType: "image/png", url: `${v4.origin}/shoes/red%20shoe.png` });
      expect(await readFile(fetched.path)).toEqual(png);
      // The same checks as an upload: sniffed, decoded, hashed.
      const received = await receiveImage(fetched, incoming, { maxBytes: MAX_BYTES, maxPixels: 1_000_000 });
      await fetched.discard();
      expect(received).toMatchObject({ mimeType: "image/png", width: 64, height: 64, sha256: sha256(png), filename: "red shoe.png" });
      await received.discard();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("follows redirects up to the cap, and refuses one more (IMPORT_URL_FORBIDDEN)", async () => {
    const target = await destination();
    const fetched = await new HttpImageFetcher({ ...limits, ...allowed }).fetchTo(`${v4.origin}/chain/3`, target);
    expect(fetched).toMatchObject({ url: `${v4.origin}/end.png`, byteSize: png.length });
    await fetched.discard();
    await refused(allowed, `${v4.origin}/chain/4`, "IMPORT_URL_FORBIDDEN", "too_many_redirects");
    await refused(allowed, `${v4.origin}/loop`, "IMPORT_URL_FORBIDDEN", "too_many_redirects");
  });

  it.each([
    ["another loopback address", () => `${v6.origin}/cat.png`],
    ["the metadata address", () => "http://169.254.169.254/latest/meta-data/"],
    ["a private address", () => "http://10.0.0.1/cat.png"],
    ["a unique-local IPv6 address", () => "http://[fd00::1]/cat.png"],
  ])("refuses a redirect from the allowed host to %s, before connecting there", async (_, to) => {
    const before = v6.connections;
    await refused(allowed, `${v4.origin}/redirect?to=${encodeURIComponent(to())}`, "IMPORT_URL_FORBIDDEN", "address");
    expect(v6.connections).toBe(before);
  });

  it("refuses a redirect to another scheme", async () => {
    await refused(allowed, `${v4.origin}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`, "IMPORT_URL_FORBIDDEN", "scheme");
  });

  it("refuses credentials in the URL", async () => {
    await refused(allowed, `http://user:secret@127.0.0.1:${v4.port}/cat.png`, "IMPORT_URL_FORBIDDEN", "credentials");
  });

  it("aborts a body over the cap with a truthful Content-Length, before reading it (IMPORT_FETCH_FAILED)", async () => {
    const { error } = await refused(allowed, `${v4.origin}/big-declared`, "IMPORT_FETCH_FAILED", "too_large");
    expect(error).toMatchObject({ transient: false, details: { maxBytes: MAX_BYTES } });
  });

  it("aborts a chunked body without Content-Length one byte over the cap", async () => {
    await refused(allowed, `${v4.origin}/big-chunked`, "IMPORT_FETCH_FAILED", "too_large");
  });

  it("stops reading an endless body delimited by the connection's close once it passes the cap", async () => {
    const server = await startCloseDelimitedServer();
    try {
      // Within a deadline far longer than reading the cap takes, far shorter than reading on for long.
      await refused({ ...allowed, timeoutMs: 1_000 }, `${server.origin}/endless.png`, "IMPORT_FETCH_FAILED", "too_large");
      await expect.poll(() => server.cutOff()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("times out a server that sends headers and then stalls the body, and leaves no file", async () => {
    const { error, elapsedMs } = await refused({ ...allowed, timeoutMs: 400 }, `${v4.origin}/stall-body`, "IMPORT_FETCH_FAILED", "timeout");
    expect(error.transient).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(350);
    expect(elapsedMs).toBeLessThan(3_000);
  });

  it("times out a server that never answers", async () => {
    await refused({ ...allowed, timeoutMs: 300 }, `${v4.origin}/stall-headers`, "IMPORT_FETCH_FAILED", "timeout");
  });

  it("reports HTTP errors and unreachable hosts as IMPORT_FETCH_FAILED, transient or not", async () => {
    expect((await refused(allowed, `${v4.origin}/gone?status=404`, "IMPORT_FETCH_FAILED", "http_status")).error).toMatchObject({
      transient: false,
      details: { status: 404 },
    });
    expect((await refused(allowed, `${v4.origin}/busy?status=503`, "IMPORT_FETCH_FAILED", "http_status")).error.transient).toBe(true);
    // A port nothing listens on: the server just closed frees one.
    const closed = await startImageServer("127.0.0.1", png, MAX_BYTES);
    await closed.close();
    const { error } = await refused(allowed, `http://127.0.0.1:${closed.port}/cat.png`, "IMPORT_FETCH_FAILED", "network");
    expect(error).toMatchObject({ transient: true, details: { errorCode: "ECONNREFUSED" } });
  });
});

describe("HttpImageFetcher, allow-list empty (the default)", () => {
  it.each([
    ["loopback IPv4", () => `${v4.origin}/cat.png`],
    ["loopback IPv6", () => `${v6.origin}/cat.png`],
    ["localhost, resolved by the system's DNS", () => `http://localhost:${v4.port}/cat.png`],
    ["loopback as IPv4-mapped IPv6", () => `http://[::ffff:127.0.0.1]:${v4.port}/cat.png`],
    ["loopback as a decimal number", () => `http://2130706433:${v4.port}/cat.png`],
    ["0.0.0.0 (this host)", () => `http://0.0.0.0:${v4.port}/cat.png`],
  ])("refuses %s before connecting (IMPORT_URL_FORBIDDEN)", async (_, url) => {
    const before = v4.connections + v6.connections;
    await refused({}, url(), "IMPORT_URL_FORBIDDEN", "address");
    expect(v4.connections + v6.connections).toBe(before);
  });

  it("does not tell which address a name resolved to", async () => {
    const { error } = await refused({}, `http://localhost:${v4.port}/cat.png`, "IMPORT_URL_FORBIDDEN", "address");
    expect(error.details).toEqual({ reason: "address", host: "localhost" });
    expect(error.message).not.toMatch(/127\.0\.0\.1/);
  });

  it.each([
    "http://10.0.0.1/cat.png",
    "http://172.16.5.4/cat.png",
    "http://192.168.1.1/cat.png",
    "http://100.64.0.1/cat.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]/cat.png",
    "http://[fe80::1]/cat.png",
    "http://[::ffff:10.0.0.1]/cat.png",
    "http://[::ffff:169.254.169.254]/cat.png",
    "https://10.0.0.1/cat.png",
  ])("refuses %s at once, without trying to connect", async (url) => {
    const { elapsedMs } = await refused({}, url, "IMPORT_URL_FORBIDDEN", "address");
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it("checks the address a name resolves to, in the socket's lookup", async () => {
    const toLoopback = dnsAnswering("127.0.0.1");
    const before = v4.connections;
    await refused({ lookup: toLoopback }, `http://images.example:${v4.port}/cat.png`, "IMPORT_URL_FORBIDDEN", "address");
    expect(toLoopback.calls).toEqual(["images.example"]);
    expect(v4.connections).toBe(before);
  });

  it.each([["169.254.169.254"], ["10.1.2.3"], ["fd12::1"], ["93.184.215.14", "10.0.0.1"]])(
    "refuses a name resolving to %s (every address of the answer must be public)",
    async (...addresses) => {
      await refused({ lookup: dnsAnswering(...addresses) }, "http://images.example/cat.png", "IMPORT_URL_FORBIDDEN", "address");
    },
  );

  it("lets a name on the allow-list through whatever it resolves to, and that name only", async () => {
    const lookup = dnsAnswering("127.0.0.1");
    const target = await destination();
    const fetched = await new HttpImageFetcher({ ...limits, allowHosts: ["images.internal"], lookup }).fetchTo(
      `http://images.internal:${v4.port}/cat.png`,
      target,
    );
    expect(fetched.byteSize).toBe(png.length);
    await fetched.discard();
    await refused({ allowHosts: ["images.internal"], lookup }, `http://other.internal:${v4.port}/cat.png`, "IMPORT_URL_FORBIDDEN", "address");
  });

  it.each(["file:///etc/passwd", "ftp://example.com/cat.png", `data:image/png;base64,iVBORw0KGgo=`, "javascript:alert(1)", "gopher://example.com/"])(
    "refuses the scheme of %s",
    async (url) => {
      await refused({}, url, "IMPORT_URL_FORBIDDEN", "scheme");
    },
  );

  it("refuses what is not a URL", async () => {
    await refused({}, "not a url", "IMPORT_URL_FORBIDDEN", "malformed_url");
  });
});
