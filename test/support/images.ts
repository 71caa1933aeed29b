import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { mulberry32 } from "../../src/seeded-random.js";
import type { ImageFeatures } from "../../src/analysis/features.js";

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A small real PNG of one colour; distinct colours give distinct bytes (and hashes). */
export function solidPng(red: number, green: number, blue: number, size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: red, g: green, b: blue } } })
    .png()
    .toBuffer();
}

/**
 * A small real PNG of one colour under a seeded pattern of light and shade
 * (8×8 cells). Its mean colour points the way the colour does, so the pixel
 * embedder sees the colour; unlike solid PNGs (whose perceptual hashes are
 * all 0, so every one is a near duplicate of every other), different seeds
 * give photos whose hashes lie far apart.
 */
export function shadedPng(red: number, green: number, blue: number, seed: number, size = 64): Promise<Buffer> {
  const random = mulberry32(seed);
  const cells = 8;
  const shades = Array.from({ length: cells * cells }, () => 0.4 + 0.6 * random());
  const pixels = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const shade = shades[Math.floor((y * cells) / size) * cells + Math.floor((x * cells) / size)]!;
      pixels.set([red, green, blue].map((channel) => Math.round(channel * shade)), (y * size + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

/**
 * A decompression bomb: a valid PNG header declaring a huge canvas, with
 * almost no data. Anything that decodes before checking the size pays for it.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.alloc(1 + width * 3))), // one row only
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** ImageFeatures from a terse description: objects with their colours, style words and a caption. */
export function features(objects: Record<string, string[]>, styles: string[] = [], caption: string | null = null): ImageFeatures {
  return {
    main_objects: Object.entries(objects).map(([objectType, colours]) => ({
      object_type: objectType,
      confidence: 0.9,
      source: "llm",
      box: null,
      attributes: colours.map((value) => ({ kind: "color" as const, value, confidence: null, source: "llm" })),
    })),
    overall_style: styles.map((value) => ({ value, confidence: null, source: "llm" })),
    caption,
  };
}

/** A model's reply describing test/fixtures/coffee.png, in our strict ImageFeatures shape. */
export const COFFEE_FEATURES: ImageFeatures = {
  main_objects: [
    {
      object_type: "cup",
      confidence: 0.93,
      source: "llm",
      box: { x: 0.1, y: 0.2, width: 0.6, height: 0.5 },
      attributes: [
        { kind: "color", value: "red", confidence: null, source: "llm" },
        { kind: "material", value: "ceramic", confidence: 0.7, source: null },
      ],
    },
  ],
  overall_style: [{ value: "minimalist", confidence: null, source: "llm" }],
  caption: "A red ceramic cup of coffee on a saucer; minimalist style.",
};
