import { once } from "node:events";
import { finished } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, type CopyStreamQuery } from "pg-copy-streams";

/** Bytes gathered before one write to the socket: fewer, larger writes cost less than one per row. */
const CHUNK_CHARS = 1 << 16;

/**
 * One `COPY … FROM STDIN` (text format) fed row by row. Rows are buffered
 * and written in chunks; `drain()` waits while PostgreSQL is behind, so
 * memory stays flat however many rows go through.
 */
export class CopyIn {
  private readonly pending: string[] = [];
  private pendingChars = 0;
  private full = false;
  /** The COPY's error, kept so a later drain() fails instead of waiting for ever. */
  private failure: Error | null = null;
  rows = 0;

  private constructor(private readonly stream: CopyStreamQuery) {
    stream.on("error", (error: Error) => {
      this.failure = error;
    });
  }

  static start(client: pg.Client, copyStatement: string): CopyIn {
    return new CopyIn(client.query(copyFrom(copyStatement)));
  }

  /** Fields already in COPY text form (see copyText). */
  add(fields: readonly (string | number)[]): void {
    const line = `${fields.join("\t")}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.rows++;
    if (this.pendingChars >= CHUNK_CHARS) this.flush();
  }

  /** Resolves once the stream takes more (rejects if the COPY failed). */
  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.full) return;
    await once(this.stream, "drain");
    this.full = false;
  }

  /** Sends the rest and waits until PostgreSQL has confirmed the COPY. */
  async end(): Promise<number> {
    this.flush();
    this.stream.end();
    await finished(this.stream);
    return this.rows;
  }

  /** Aborts the COPY (PostgreSQL rolls it back). */
  abort(error: Error): void {
    this.stream.destroy(error);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (!this.stream.write(this.pending.join(""))) this.full = true;
    this.pending.length = 0;
    this.pendingChars = 0;
  }
}

/** A value escaped for COPY's text format, where backslash, tab and line breaks are special. */
export function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (char) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[char] ?? char);
}
