import type { Request, RequestHandler, Response } from "express";
import { DomainError } from "../errors.js";
import { PhotoNotStoredError, RangeNotSatisfiableError, type ByteRange, type PhotoStorage } from "../media/storage/photo-storage.js";
import { contentTypeOfKey } from "../media/storage/photo-key.js";

/** A key never names other bytes (keys are random per upload), so a year, immutable. */
const CACHE_CONTROL = "public, max-age=31536000, immutable";
/** Keys as intake makes them: "ab/<uuid>.<ext>"; anything else is not a photo. */
const KEY = /^[0-9a-f]{2}\/[0-9a-f-]{36}\.[a-z0-9]{2,5}$/;

/**
 * Serves stored photos through the storage port, whatever it is: GET and
 * HEAD, a strong ETag (If-None-Match answers 304), one byte range (206, or
 * 416 past the end), and long caching. Mounted under PHOTO_ROUTE.
 */
export function photoRoute(storage: PhotoStorage): RequestHandler {
  return (request, response, next) => {
    if (request.method !== "GET" && request.method !== "HEAD") return next();
    const key = decodedKey(request.path);
    if (key === null || !KEY.test(key)) return void response.status(404).end();
    serve(storage, key, request, response).catch(next);
  };
}

async function serve(storage: PhotoStorage, key: string, request: Request, response: Response): Promise<void> {
  const info = await storage.info(key);
  if (!info) return void response.status(404).end();
  response.setHeader("ETag", info.etag);
  response.setHeader("Last-Modified", info.lastModified.toUTCString());
  response.setHeader("Cache-Control", CACHE_CONTROL);
  response.setHeader("Accept-Ranges", "bytes");
  response.setHeader("Content-Type", contentTypeOfKey(key));
  if (matchesAny(request.header("if-none-match"), info.etag)) return void response.status(304).end();
  const range = requestedRange(request, info.etag, info.size);
  if (range === "unsatisfiable") return unsatisfiable(response, info.size);
  if (request.method === "HEAD") {
    response.setHeader("Content-Length", String(info.size));
    return void response.status(200).end();
  }
  try {
    const photo = await storage.read(key, range ?? undefined);
    if (photo.range) {
      response.status(206);
      response.setHeader("Content-Range", `bytes ${photo.range.start}-${photo.range.end}/${photo.size}`);
      response.setHeader("Content-Length", String(photo.range.end - photo.range.start + 1));
    } else {
      response.status(200);
      response.setHeader("Content-Length", String(photo.size));
    }
    photo.body.on("error", () => response.destroy());
    photo.body.pipe(response);
  } catch (error) {
    if (error instanceof PhotoNotStoredError) return void response.status(404).end();
    if (error instanceof RangeNotSatisfiableError) return unsatisfiable(response, info.size);
    if (error instanceof DomainError && error.transient) return void response.status(503).setHeader("Retry-After", "5").end();
    throw error;
  }
}

/** The key a path names, or null when its escapes are malformed (never a key). */
function decodedKey(requestPath: string): string | null {
  try {
    return decodeURIComponent(requestPath.replace(/^\//, ""));
  } catch {
    return null;
  }
}

function unsatisfiable(response: Response, size: number): void {
  response.status(416).setHeader("Content-Range", `bytes */${size}`).end();
}

function matchesAny(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const each = tag.trim().replace(/^W\//, "");
    return each === "*" || each === etag;
  });
}

/**
 * The one range asked for, as RFC 9110 reads it: ignored when If-Range names
 * another version, or when there are several ranges or it cannot be parsed
 * (the whole photo is sent). Suffix ranges ("-500") count from the end.
 */
function requestedRange(request: Request, etag: string, size: number): ByteRange | null | "unsatisfiable" {
  const header = request.header("range");
  if (!header) return null;
  const ifRange = request.header("if-range");
  if (ifRange && ifRange.trim() !== etag) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const length = Number(match[2]);
    if (length === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return { start, end };
}
