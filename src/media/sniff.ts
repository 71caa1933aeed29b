/** Image formats we accept, recognised by their leading bytes, never by name or declared type. */
export interface ImageFormat {
  mimeType: string;
  extension: string;
}

const JPEG = { mimeType: "image/jpeg", extension: "jpg" };
const PNG = { mimeType: "image/png", extension: "png" };
const GIF = { mimeType: "image/gif", extension: "gif" };
const WEBP = { mimeType: "image/webp", extension: "webp" };
const AVIF = { mimeType: "image/avif", extension: "avif" };

export const SUPPORTED_FORMATS_TEXT = "JPEG, PNG, WebP, GIF or AVIF";

/** The number of leading bytes sniffImageFormat needs. */
export const SNIFF_BYTES = 16;

export function sniffImageFormat(head: Buffer): ImageFormat | null {
  const ascii = (start: number, end: number) => head.subarray(start, end).toString("latin1");
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return JPEG;
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return PNG;
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") return GIF;
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return WEBP;
  if (ascii(4, 8) === "ftyp" && ["avif", "avis"].includes(ascii(8, 12))) return AVIF;
  return null;
}

/** A short, human description of what the bytes look like, for error messages. */
export function describeContent(head: Buffer): string {
  if (head.length === 0) return "empty";
  const text = head.toString("utf8");
  if (text.startsWith("%PDF")) return "a PDF document";
  if (head[0] === 0x50 && head[1] === 0x4b) return "a ZIP archive";
  if (/^[\t\n\r\x20-\x7e]*$/.test(text)) return "text";
  return "binary data of an unknown kind";
}
