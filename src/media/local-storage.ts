import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

/** Where files wait while they arrive and are checked; never served. */
export const INCOMING_DIR = ".incoming";

/**
 * Photos in a local directory. Files arrive under .incoming/ (same file
 * system, so committing is an atomic rename) and are served from their key.
 * Keys fan out by two characters so no folder grows huge.
 */
export class LocalImageStorage {
  constructor(readonly rootDir: string) {}

  async init(): Promise<void> {
    await mkdir(path.join(this.rootDir, INCOMING_DIR), { recursive: true });
  }

  incomingPath(): string {
    return path.join(this.rootDir, INCOMING_DIR, randomUUID());
  }

  newKey(extension: string): string {
    const id = randomUUID();
    return `${id.slice(0, 2)}/${id}.${extension}`;
  }

  pathOf(key: string): string {
    return path.join(this.rootDir, ...key.split("/"));
  }

  /** Moves a checked incoming file to its key. */
  async commit(incomingPath: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(incomingPath, target);
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Removes incoming files a crashed run left behind; young ones may belong to another process. */
  async sweepIncoming(olderThanMs: number): Promise<number> {
    const dir = path.join(this.rootDir, INCOMING_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => null);
      if (info && Date.now() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}
