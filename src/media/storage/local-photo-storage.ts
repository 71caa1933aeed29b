import { randomUUID } from "node:crypto";
import { constants, type BigIntStats } from "node:fs";
import { copyFile, mkdir, open, opendir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
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

/**
 * Files being written start with this, in the folder of their key: the final
 * rename is then within one directory, so atomic. The leading "." keeps them
 * out of list() and out of the key space (see keySegments).
 */
const TEMP_PREFIX = ".put-";

/** Errors that say the storage itself cannot take a write, rather than that the caller asked something wrong. */
const UNAVAILABLE_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EIO"]);

/** Photos as files under a local directory, one file per key ("ab/<uuid>.jpg" → <root>/ab/<uuid>.jpg). */
export class LocalPhotoStorage implements PhotoStorage {
  readonly description: string;

  constructor(readonly rootDir: string) {
    this.description = `local directory ${path.basename(rootDir)}`;
  }

  async init(): Promise<void> {
    // A real write, not access(W_OK): it also catches full disks and read-only mounts.
    const probe = path.join(this.rootDir, `${TEMP_PREFIX}probe-${randomUUID()}`);
    try {
      await mkdir(this.rootDir, { recursive: true });
      await writeFile(probe, "");
      await rm(probe, { force: true });
    } catch (error) {
      throw new StorageUnavailableError(`The directory '${this.rootDir}' cannot hold photos (${codeOf(error) ?? "unknown error"}).`, {}, {
        cause: error,
      });
    }
  }

  async put(key: string, localFile: string, _contentType: string): Promise<void> {
    const target = this.pathOf(key);
    const temp = path.join(path.dirname(target), `${TEMP_PREFIX}${randomUUID()}`);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      // A copy, not a rename: the caller's scratch file may sit on another file system, and it stays the caller's.
      await copyFile(localFile, temp, constants.COPYFILE_FICLONE);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw this.unavailable(error) ?? error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<StoredPhoto> {
    const file = this.pathOf(key);
    // Stat and stream one open file: a put that replaces the key meanwhile swaps the name, not these bytes, so the etag matches the body.
    const handle = await open(file, "r").catch((error: unknown) => {
      throw isMissing(error) ? notStored(key) : error;
    });
    try {
      const stats = await handle.stat({ bigint: true });
      if (!stats.isFile()) throw notStored(key);
      const info = infoOf(stats);
      const span = range ? satisfiable(range, info.size) : null;
      const body = handle.createReadStream({ start: span?.start ?? 0, end: span?.end, autoClose: true });
      return { ...info, body, range: span };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async readAll(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key)).catch((error: unknown) => {
      throw isMissing(error) || codeOf(error) === "EISDIR" ? notStored(key) : error;
    });
  }

  async info(key: string): Promise<StoredPhotoInfo | null> {
    const stats = await stat(this.pathOf(key), { bigint: true }).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    return stats?.isFile() ? infoOf(stats) : null;
  }

  async remove(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: unknown) => {
      if (!isMissing(error)) throw this.unavailable(error) ?? error;
    });
  }

  /** Local files have no URL of their own: the app serves them. */
  async presignedUrl(_key: string, _seconds: number): Promise<string | null> {
    return null;
  }

  async *list(): AsyncIterable<{ key: string; lastModified: Date }> {
    yield* this.walk(this.rootDir, []);
  }

  private async *walk(dir: string, prefix: string[]): AsyncGenerator<{ key: string; lastModified: Date }> {
    const entries = await opendir(dir).catch((error: unknown) => {
      if (isMissing(error)) return null; // removed while we walked, or never created
      throw error;
    });
    if (!entries) return;
    for await (const entry of entries) {
      // Dot names are ours, never keys: scratch folders (.incoming) and files still being written.
      if (entry.name.startsWith(".")) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(full, [...prefix, entry.name]);
      } else if (entry.isFile()) {
        const stats = await stat(full).catch(() => null); // gone meanwhile: not stored any more
        if (stats) yield { key: [...prefix, entry.name].join("/"), lastModified: stats.mtime };
      }
    }
  }

  private pathOf(key: string): string {
    const file = path.join(this.rootDir, ...keySegments(key));
    // keySegments already forbids every way out; this guards the rule, should it ever be loosened.
    if (!file.startsWith(path.join(this.rootDir, path.sep))) throw notStored(key);
    return file;
  }

  private unavailable(error: unknown): StorageUnavailableError | null {
    const code = codeOf(error);
    if (!code || !UNAVAILABLE_CODES.has(code)) return null;
    return new StorageUnavailableError(`The ${this.description} cannot take writes (${code}).`, {}, { cause: error });
  }
}

/**
 * Size, mtime in nanoseconds and inode: every put lands as a new file (a
 * rename of a fresh temp file), so a new inode, and the mtime covers an inode
 * number being reused.
 */
function infoOf(stats: BigIntStats): StoredPhotoInfo {
  const etag = `"${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}-${stats.ino.toString(16)}"`;
  return { size: Number(stats.size), etag, lastModified: new Date(Number(stats.mtimeMs)) };
}

/** The bytes a range stands for in a photo of `size` bytes, as HTTP reads it: the end is clamped to the last byte. */
function satisfiable(range: ByteRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || start >= size || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RangeNotSatisfiableError(`The range ${start}-${end ?? ""} is outside the photo's ${size} bytes.`, { size });
  }
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

function notStored(key: string): PhotoNotStoredError {
  return new PhotoNotStoredError(`No photo is stored under the key "${key}".`);
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

/** ENOTDIR: a key that runs through a file ("ab/x.jpg/y") names nothing either. */
function isMissing(error: unknown): boolean {
  const code = codeOf(error);
  return code === "ENOENT" || code === "ENOTDIR";
}
