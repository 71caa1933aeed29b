import { randomUUID } from "node:crypto";
import { PhotoNotStoredError } from "./photo-storage.js";

/**
 * The segments of a storage key ("ab/<uuid>.jpg" → ["ab", "<uuid>.jpg"]), or
 * PhotoNotStoredError for a key no photo can have. Both adapters apply the
 * same rule, so a key is valid or not whatever the storage:
 * - no empty segment (no leading "/", no "//"), no "." or "..", no "\" or NUL:
 *   a key must never reach outside the root directory, nor outside the
 *   bucket's prefix on a server or proxy that normalises paths;
 * - no segment starting with ".": those names are the local storage's own
 *   (scratch folders, files being written), which list() skips.
 */
export function keySegments(key: string): string[] {
  const segments = key.split("/");
  for (const segment of segments) {
    if (segment === "" || segment.startsWith(".") || segment.includes("\\") || segment.includes("\0")) {
      throw new PhotoNotStoredError(`No photo can be stored under the key "${printable(key)}".`);
    }
  }
  return segments;
}

function printable(key: string): string {
  return key.replace(/[\u0000-\u001f]/g, "?").slice(0, 200);
}

/** A new key for a photo: random, so a key never names two photos, and fanned out by two characters so no folder or listing prefix grows huge. */
export function newPhotoKey(extension: string): string {
  const id = randomUUID();
  return `${id.slice(0, 2)}/${id}.${extension}`;
}

const CONTENT_TYPES: Record<string, string> = { jpg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif" };

/** The content type a key's photo is served with: intake names keys by the sniffed format, so the extension is the truth. */
export function contentTypeOfKey(key: string): string {
  const extension = /\.([a-z0-9]+)$/.exec(key)?.[1] ?? "";
  return CONTENT_TYPES[extension] ?? "application/octet-stream";
}
