import { randomUUID } from "node:crypto";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";

/**
 * The local scratch folder where uploads arrive and are checked before they
 * are put into storage (whatever the storage is: a photo is hashed, sniffed
 * and probed here, so storage never holds one that was refused). Nothing
 * here is ever served.
 */
export class IncomingFiles {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  newPath(): string {
    return path.join(this.dir, randomUUID());
  }

  /** Removes files a crashed run left behind; young ones may belong to another request in flight. */
  async sweep(olderThanMs: number): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (info && Date.now() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}
