import sharp from "sharp";
import { mulberry32 } from "../../src/seeded-random.js";

/**
 * A photo of random noise, made in the test rather than stored: `cell` 1 is
 * pixel noise in every channel (the 3000×2000 photo); larger cells are
 * black-and-white squares, a texture like gravel or fabric that hands
 * Tesseract well over a hundred candidate text regions.
 */
export async function noiseJpeg(options: { width: number; height: number; cell?: number; seed?: number; quality?: number }): Promise<Buffer> {
  const { width, height, cell = 1, seed = 1, quality = 95 } = options;
  const random = mulberry32(seed);
  const pixels = Buffer.alloc(width * height * 3);
  if (cell === 1) {
    for (let index = 0; index < pixels.length; index++) pixels[index] = Math.floor(random() * 256);
  } else {
    const columns = Math.ceil(width / cell);
    const cells = Array.from({ length: columns * Math.ceil(height / cell) }, () => (random() < 0.5 ? 0 : 255));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) pixels.fill(cells[Math.floor(y / cell) * columns + Math.floor(x / cell)]!, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}
