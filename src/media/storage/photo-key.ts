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
