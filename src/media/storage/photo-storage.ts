import type { Readable } from "node:stream";
import { withCode } from "../../errors.js";

/** Part of a stored photo: bytes start..end, both included (as in an HTTP Range). */
export interface ByteRange {
  start: number;
  /** Omitted: to the end. Past the end: to the end too, as HTTP reads it. */
  end?: number;
}

/** What storage says about a stored photo, without its bytes. */
export interface StoredPhotoInfo {
  /** Bytes in the whole photo. */
  size: number;
  /** A strong validator for the stored bytes, quoted as HTTP sends it ("…"). */
  etag: string;
  lastModified: Date;
}

/** A stored photo being read: its bytes as a stream, and what HTTP needs to serve them. */
export interface StoredPhoto extends StoredPhotoInfo {
  body: Readable;
  /** The bytes the body holds: the range's, when a range was asked. */
  range: { start: number; end: number } | null;
}

/**
 * The storage port: where checked photos live, by key. Keys are opaque
 * ("ab/<uuid>.jpg"); paths, buckets and URLs stay inside the adapters. Intake
 * checks a photo in a local scratch file first and only then puts it, so
 * storage never holds a photo that was refused. Both adapters refuse the same
 * keys (empty, "." or ".." segments, dot names: see photo-key.ts) with
 * PhotoNotStoredError, from every method.
 */
export interface PhotoStorage {
  /** A short, log-safe description ("local directory uploads", "s3 bucket photos"). */
  readonly description: string;
  /** Fails with StorageUnavailableError when the storage cannot be used (no bucket, refused credentials, unwritable directory). */
  init(): Promise<void>;
  /** Stores a local file under the key; readers never see part of it. The local file is left where it is. */
  put(key: string, localFile: string, contentType: string): Promise<void>;
  /** Reads a photo, or a range of it; PhotoNotStoredError when no photo has the key, RangeNotSatisfiableError when the range starts past the end. */
  read(key: string, range?: ByteRange): Promise<StoredPhoto>;
  /** The whole photo in memory (photos are bounded by MAX_UPLOAD_BYTES); PhotoNotStoredError when missing. */
  readAll(key: string): Promise<Buffer>;
  /** What is stored under the key, or null when nothing is. */
  info(key: string): Promise<StoredPhotoInfo | null>;
  /** Removes the photo; removing a missing key is not an error. */
  remove(key: string): Promise<void>;
  /** A URL a browser may fetch the photo from directly for `seconds`, or null when this storage has no such URLs (local). */
  presignedUrl(key: string, seconds: number): Promise<string | null>;
  /** Every stored key with its last change, for sweeps of photos no row references. */
  list(): AsyncIterable<{ key: string; lastModified: Date }>;
}

/** Storage cannot be reached or refuses us (transient: the next attempt may succeed). */
export class StorageUnavailableError extends withCode("STORAGE_UNAVAILABLE", { transient: true }) {}

/** No photo is stored under the key. */
export class PhotoNotStoredError extends withCode("PHOTO_NOT_STORED") {}

/** A range that starts at or past the photo's end (HTTP 416). */
export class RangeNotSatisfiableError extends withCode("RANGE_NOT_SATISFIABLE") {}
