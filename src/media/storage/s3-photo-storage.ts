import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { DomainError } from "../../errors.js";
import { keySegments } from "./photo-key.js";
import {
  type ByteRange,
  type PhotoStorage,
  PhotoNotStoredError,
  RangeNotSatisfiableError,
  StorageUnavailableError,
  type StoredPhoto,
  type StoredPhotoInfo,
} from "./photo-storage.js";

export interface S3StorageSettings {
  bucket: string;
  /** Prepended to every key ("" or "photos/"; a missing trailing "/" is added). */
  prefix: string;
  /** An S3-compatible server (MinIO, R2, …); null for AWS itself. */
  endpoint: string | null;
  region: string;
  /** Both null: the SDK's default chain (environment, profile, instance role). */
  accessKeyId: string | null;
  secretAccessKey: string | null;
  /** Bucket in the path rather than the host name; most S3-compatible servers need it. */
  forcePathStyle: boolean;
  /**
   * How long connecting may take, and how long a connection may stay silent
   * mid-request (S3_TIMEOUT_MS). Without it a storage server that stops
   * answering holds every upload, read and delete for ever; a slow but
   * moving transfer is never cut, since the clock restarts with each byte.
   */
  timeoutMs: number;
}

const SILENT_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Longest lifetime S3 accepts for a presigned URL (seven days). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Photos as objects in an S3 bucket, one object per key, under a prefix. */
export class S3PhotoStorage implements PhotoStorage {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  /** Where the bucket lives, for messages: the endpoint's origin (never credentials in its URL) or AWS's region. */
  private readonly where: string;

  constructor(settings: S3StorageSettings) {
    const { accessKeyId, secretAccessKey } = settings;
    if ((accessKeyId === null) !== (secretAccessKey === null)) {
      throw new Error("S3 storage needs both an access key id and a secret access key, or neither (the SDK's default chain).");
    }
    this.bucket = settings.bucket;
    const prefix = settings.prefix.replace(/^\/+|\/+$/g, "");
    this.prefix = prefix ? `${prefix}/` : "";
    this.where = settings.endpoint ? originOf(settings.endpoint) : `AWS S3 (${settings.region})`;
    this.description = `s3 bucket ${settings.bucket}${this.prefix ? ` under ${this.prefix}` : ""}`;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint ?? undefined,
      forcePathStyle: settings.forcePathStyle,
      credentials: accessKeyId !== null && secretAccessKey !== null ? { accessKeyId, secretAccessKey } : undefined,
      // Since 3.729 the SDK adds CRC32 checksums to every upload (as an aws-chunked body with a trailer) and
      // insists on them in answers; many S3-compatible servers reject those bodies or store them as sent
      // (s3rver, in the tests, keeps the chunk framing inside the photo).
      // Only send and check checksums where an operation requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // The SDK logs nothing by default, except one console warning when a streamed upload fails (it cannot
      // replay the stream); that failure reaches the caller as StorageUnavailableError, so the warning goes.
      logger: SILENT_LOGGER,
      requestHandler: { connectionTimeout: settings.timeoutMs, socketTimeout: settings.timeoutMs },
    });
  }

  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      // HEAD answers carry no error body: the status is all there is to go on.
      const { status } = shapeOf(error);
      if (status === 404) throw this.unavailable(`The bucket '${this.bucket}' does not exist at ${this.where}.`, error);
      if (status === 301) throw this.unavailable(`The bucket '${this.bucket}' is not in the configured region at ${this.where}.`, error);
      throw this.failure(error);
    }
  }

  async put(key: string, localFile: string, contentType: string): Promise<void> {
    const Key = this.objectKey(key);
    const { size } = await stat(localFile);
    // One PUT: photos are bounded by MAX_UPLOAD_BYTES, far under the 5 GB a single PUT takes, so no multipart.
    // The SDK does not retry a streamed body; a failure surfaces as StorageUnavailableError, which is transient.
    const body = createReadStream(localFile);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: size, ContentType: contentType }));
    } catch (error) {
      throw this.failure(error);
    } finally {
      body.destroy();
    }
  }

  async read(key: string, range?: ByteRange): Promise<StoredPhoto> {
    const Key = this.objectKey(key);
    const Range = range ? rangeHeader(range) : undefined;
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range })).catch((error: unknown) => {
      throw this.failure(error, key);
    });
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error("The S3 client answered without a Node stream body.");
    try {
      const served = parseContentRange(response.ContentRange);
      return {
        size: served?.size ?? required(response.ContentLength, "Content-Length"),
        etag: quoted(required(response.ETag, "ETag")),
        lastModified: required(response.LastModified, "Last-Modified"),
        body,
        // A server may ignore a range and send everything (200): then the body is the whole photo and says so.
        range: served ? { start: served.start, end: served.end } : null,
      };
    } catch (error) {
      body.destroy(); // or its socket stays taken
      throw error;
    }
  }

  async readAll(key: string): Promise<Buffer> {
    const { body } = await this.read(key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    } catch (error) {
      throw this.failure(error, key);
    }
    return Buffer.concat(chunks);
  }

  async info(key: string): Promise<StoredPhotoInfo | null> {
    const Key = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        size: required(head.ContentLength, "Content-Length"),
        etag: quoted(required(head.ETag, "ETag")),
        lastModified: required(head.LastModified, "Last-Modified"),
      };
    } catch (error) {
      const translated = this.failure(error, key);
      if (translated instanceof PhotoNotStoredError) return null;
      throw translated;
    }
  }

  async remove(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      // S3 answers 204 for a missing key too; some compatible servers answer 404, which means the same here.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (error) {
      const translated = this.failure(error, key);
      if (!(translated instanceof PhotoNotStoredError)) throw translated;
    }
  }

  async presignedUrl(key: string, seconds: number): Promise<string> {
    const Key = this.objectKey(key);
    const expiresIn = Math.min(Math.max(1, Math.floor(seconds)), MAX_PRESIGN_SECONDS);
    try {
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key }), { expiresIn });
    } catch (error) {
      throw this.failure(error); // only credentials can fail here: signing is local
    }
  }

  async *list(): AsyncIterable<{ key: string; lastModified: Date }> {
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.prefix || undefined });
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (!object.Key?.startsWith(this.prefix)) continue;
          yield { key: object.Key.slice(this.prefix.length), lastModified: object.LastModified ?? new Date(0) };
        }
      }
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** Closes the client's sockets; the storage cannot be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.prefix + keySegments(key).join("/");
  }

  /**
   * What an SDK failure means for the port. With a key: a missing object is
   * PhotoNotStoredError and a range past the end RangeNotSatisfiableError.
   * Outages and refusals are StorageUnavailableError; anything else (a
   * request this code got wrong) is returned as it is.
   */
  private failure(error: unknown, key?: string): unknown {
    if (error instanceof DomainError) return error;
    const { status, name, code } = shapeOf(error);
    if (name === "NoSuchBucket") return this.unavailable(`The bucket '${this.bucket}' does not exist at ${this.where}.`, error);
    if (key !== undefined && (name === "NoSuchKey" || status === 404)) {
      return new PhotoNotStoredError(`No photo is stored under the key "${key}".`, {}, { cause: error });
    }
    if (key !== undefined && (name === "InvalidRange" || status === 416)) {
      return new RangeNotSatisfiableError(`The range asked of the photo "${key}" starts past its end.`, {}, { cause: error });
    }
    if (status === 401 || status === 403) {
      return this.unavailable(`The storage refused the credentials for the bucket '${this.bucket}' (${reason(status, name)}).`, error);
    }
    if (name === "CredentialsProviderError") {
      return this.unavailable(`No credentials for the bucket '${this.bucket}' were found in the environment or profile.`, error);
    }
    if ((status !== undefined && (status >= 500 || status === 429)) || (status === undefined && isNetworkFailure(name, code))) {
      return this.unavailable(`The storage at ${this.where} is unavailable (${status ? reason(status, name) : (code ?? name)}).`, error);
    }
    return error;
  }

  private unavailable(message: string, cause: unknown): StorageUnavailableError {
    return new StorageUnavailableError(message, {}, { cause });
  }
}

interface ErrorShape {
  status: number | undefined;
  name: string | undefined;
  code: string | undefined;
}

/** The parts of an SDK or socket error we decide on; S3-compatible servers agree on statuses more than on names. */
function shapeOf(error: unknown): ErrorShape {
  if (typeof error !== "object" || error === null) return { status: undefined, name: undefined, code: undefined };
  const fields = error as { $metadata?: { httpStatusCode?: unknown }; name?: unknown; code?: unknown };
  const status = fields.$metadata?.httpStatusCode;
  return {
    status: typeof status === "number" ? status : undefined,
    name: typeof fields.name === "string" ? fields.name : undefined,
    code: typeof fields.code === "string" ? fields.code : undefined,
  };
}

/** "HTTP 403 SignatureDoesNotMatch"; HEAD answers have no body, so no name (the SDK then says "Unknown" or the status). */
function reason(status: number, name: string | undefined): string {
  return name && name !== "Unknown" && name !== String(status) ? `HTTP ${status} ${name}` : `HTTP ${status}`;
}

/** No answer at all: refused or dropped connections, unknown hosts, time-outs. */
function isNetworkFailure(name: string | undefined, code: string | undefined): boolean {
  return (code !== undefined && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code)) || name === "TimeoutError";
}

function rangeHeader({ start, end }: ByteRange): string {
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeNotSatisfiableError(`The range ${start}-${end ?? ""} is not a range of bytes.`);
  }
  return `bytes=${start}-${end ?? ""}`;
}

function parseContentRange(header: string | undefined): { start: number; end: number; size: number | undefined } | null {
  const match = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header) : null;
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), size: match[3] === "*" ? undefined : Number(match[3]) };
}

/** S3 sends ETags quoted, as HTTP does; a few compatible servers do not. */
function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

function required<T>(value: T | undefined, header: string): T {
  if (value === undefined) throw new Error(`The storage answered without ${header}.`);
  return value;
}

function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return "the configured endpoint";
  }
}
