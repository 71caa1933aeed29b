import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DomainError } from "../errors.js";
import { EmptyFileError, FileTooLargeError, UnsupportedMediaTypeError, UploadInterruptedError } from "./errors.js";
import { probeImage } from "./image-probe.js";
import type { IncomingFiles } from "./incoming-files.js";
import { describeContent, SNIFF_BYTES, sniffImageFormat, SUPPORTED_FORMATS_TEXT } from "./sniff.js";

/** What an upload library hands over; kept minimal so media/ knows no GraphQL. */
export interface IncomingFile {
  filename: string;
  createReadStream(): Readable;
}

export interface IntakeLimits {
  maxBytes: number;
  maxPixels: number;
}

/** A checked image, still in the local incoming folder: put it into storage, then discard it. */
export interface ReceivedImage {
  /** The local scratch file (for storage's put; analysers read the bytes). */
  path: string;
  filename: string;
  mimeType: string;
  extension: string;
  width: number;
  height: number;
  byteSize: number;
  sha256: string;
  /** 64-bit perceptual hash (see perceptual-hash.ts): near duplicates are a few bits apart. */
  perceptualHash: bigint;
  /** The checked bytes (bounded by the upload limit). */
  readBytes(): Promise<Buffer>;
  discard(): Promise<void>;
}

/**
 * Streams an upload to a local scratch file while hashing and counting it, then checks that
 * the bytes really are an image we accept and that it decodes whole. On any
 * failure the partial file is removed before the error is thrown.
 */
export async function receiveImage(file: IncomingFile, incoming: IncomingFiles, limits: IntakeLimits): Promise<ReceivedImage> {
  const path = incoming.newPath();
  const discard = () => rm(path, { force: true });
  try {
    const { byteSize, sha256 } = await streamToDisk(file.createReadStream(), path, limits.maxBytes);
    if (byteSize === 0) throw new EmptyFileError(`The file "${file.filename}" is empty.`);
    const head = await readHead(path);
    const format = sniffImageFormat(head);
    if (!format) {
      throw new UnsupportedMediaTypeError(
        `The file "${file.filename}" is not a supported image (${SUPPORTED_FORMATS_TEXT}); its content is ${describeContent(head)}.`,
      );
    }
    const { width, height, perceptualHash } = await probeImage(path, limits.maxPixels);
    return { path, filename: file.filename, ...format, width, height, byteSize, sha256, perceptualHash, readBytes: () => readFile(path), discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

async function streamToDisk(source: Readable, path: string, maxBytes: number): Promise<{ byteSize: number; sha256: string }> {
  const hash = createHash("sha256");
  let byteSize = 0;
  // Iterated, not piped: the upload library unpipes the stream when its own
  // limit is hit, which would stall a pipe. Past our limit, keep reading but
  // write nothing, so the client gets our error rather than a reset.
  async function* meter(chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      byteSize += chunk.length;
      if (byteSize > maxBytes) continue;
      hash.update(chunk);
      yield chunk;
    }
  }
  try {
    await pipeline(source, meter, createWriteStream(path, { flags: "wx" }));
  } catch (error) {
    throw asUploadError(error, maxBytes);
  }
  if (byteSize > maxBytes) throw tooLarge(maxBytes);
  return { byteSize, sha256: hash.digest("hex") };
}

function tooLarge(maxBytes: number): FileTooLargeError {
  return new FileTooLargeError(`The file is larger than the limit of ${maxBytes} bytes.`, { maxBytes });
}

/** The upload middleware signals its own size limit with status 413. */
function asUploadError(error: unknown, maxBytes: number): DomainError {
  if (error instanceof DomainError) return error;
  const status = (error as { status?: number } | null)?.status;
  if (status === 413) return tooLarge(maxBytes);
  return new UploadInterruptedError("The upload did not arrive in full.", {}, { cause: error });
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
