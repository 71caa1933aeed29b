import type { IncomingMessage } from "node:http";
import { open, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { ImportFetchFailedError } from "./errors.js";

/**
 * Streams a response body into a new file, counting as it goes: past
 * `maxBytes` it stops reading at once (the socket is destroyed) rather than
 * trusting Content-Length, which may be absent (chunked) or lie. A declared
 * length over the cap is refused before the file is even created. On any
 * failure the file is removed before the error goes on.
 */
export async function saveCapped(response: IncomingMessage, destination: string, maxBytes: number, signal: AbortSignal): Promise<number> {
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge(maxBytes);
  }
  // Opened first, and exclusively: a path that already exists is the caller's mistake and is left alone.
  const handle = await open(destination, "wx");
  let byteSize = 0;
  async function* meter(chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      byteSize += chunk.length;
      if (byteSize > maxBytes) throw tooLarge(maxBytes);
      yield chunk;
    }
  }
  try {
    await pipeline(response, meter, handle.createWriteStream(), { signal });
  } catch (error) {
    await handle.close().catch(() => {}); // usually closed by the stream already
    await rm(destination, { force: true });
    throw error;
  }
  return byteSize;
}

function tooLarge(maxBytes: number): ImportFetchFailedError {
  return new ImportFetchFailedError(`The image is larger than the limit of ${maxBytes} bytes.`, { reason: "too_large", maxBytes });
}
