import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { hammingDistance, perceptualHash } from "../../src/media/perceptual-hash.js";

/**
 * The perceptual hash on generated scenes and on the fixture photos: copies
 * that look the same stay within the default NEAR_DUPLICATE_MAX_DISTANCE, and
 * unrelated pictures stay well beyond it. The distances below were measured
 * (pHash distances are even: every hash has 31 of its 63 bits set).
 */

const { nearDuplicateMaxDistance } = loadConfig({}).media;
const hashOf = (input: Buffer | string) => perceptualHash(sharp(input));

/** A deterministic scene: a gradient with coloured rectangles, different for every seed. */
function scene(seed: number, width = 320, height = 240): Promise<Buffer> {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pixels = Buffer.alloc(width * height * 3);
  const boxes = Array.from({ length: 6 }, () => ({
    x: next() * width, y: next() * height, w: 20 + next() * width * 0.5, h: 20 + next() * height * 0.5,
    colour: [next() * 255, next() * 255, next() * 255],
  }));
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const box = boxes.findLast((b) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h);
      const colour = box?.colour ?? [(x / width) * 255, (y / height) * 255, 128];
      pixels.set(colour.map(Math.round), (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

describe("perceptual hash of generated scenes", () => {
  it("is 0 bits from itself, and from the same pixels encoded otherwise", async () => {
    const png = await scene(1);
    expect(hammingDistance(await hashOf(png), await hashOf(png))).toBe(0);
    expect(hammingDistance(await hashOf(png), await hashOf(await sharp(png).png({ compressionLevel: 0 }).toBuffer()))).toBe(0);
  });

  it("stays close when the scene is resized or re-encoded", async () => {
    for (const seed of [1, 2, 3, 4]) {
      const png = await scene(seed);
      const original = await hashOf(png);
      const copies = {
        half: await sharp(png).resize(160).png().toBuffer(),
        double: await sharp(png).resize(640).png().toBuffer(),
        jpeg40: await sharp(png).jpeg({ quality: 40 }).toBuffer(),
        webp: await sharp(png).webp({ lossless: true }).toBuffer(), // decoded shrunk by libwebp: not quite the same pixels
        squashed: await sharp(png).resize(320, 200, { fit: "fill" }).toBuffer(),
      };
      for (const [name, bytes] of Object.entries(copies)) {
        expect(hammingDistance(original, await hashOf(bytes)), `scene ${seed}, ${name}`).toBeLessThanOrEqual(4);
      }
    }
  });

  it("is far apart for different scenes", async () => {
    const hashes = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async (seed) => hashOf(await scene(seed))));
    for (let a = 0; a < hashes.length; a += 1) {
      for (let b = a + 1; b < hashes.length; b += 1) {
        expect(hammingDistance(hashes[a]!, hashes[b]!), `scenes ${a + 1} and ${b + 1}`).toBeGreaterThanOrEqual(16);
      }
    }
  });

  it("reads the EXIF orientation: a rotated file tagged to be shown upright hashes as the upright one", async () => {
    const png = await scene(5);
    // Orientation 6: the viewer turns the stored pixels 90 degrees clockwise.
    const storedSideways = await sharp(png).rotate(-90).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect(hammingDistance(await hashOf(png), await hashOf(storedSideways))).toBeLessThanOrEqual(2);
    expect(hammingDistance(await hashOf(png), await hashOf(await sharp(png).rotate(-90).png().toBuffer()))).toBeGreaterThanOrEqual(16);
  });

  it("gives every flat image the same hash, whatever its colour", async () => {
    const flat = (r: number, g: number, b: number) => sharp({ create: { width: 50, height: 40, channels: 3, background: { r, g, b } } }).png().toBuffer();
    expect(await hashOf(await flat(250, 10, 10))).toBe(0n);
    expect(await hashOf(await flat(10, 10, 250))).toBe(0n);
  });

  it("counts differing bits over all 64", () => {
    expect(hammingDistance(0n, 0n)).toBe(0);
    expect(hammingDistance(0b1011n, 0b0001n)).toBe(2);
    expect(hammingDistance(0n, 2n ** 64n - 1n)).toBe(64);
    expect(hammingDistance(-1n, 0n)).toBe(64);
  });
});

describe("perceptual hash of the fixture photos", () => {
  const FIXTURES = ["coffee.png", "chelsea.png", "fruits.jpg", "scenetext01.jpg", "astronaut.png", "smarties.png"];
  const path = (name: string) => `test/fixtures/${name}`;

  async function copiesOf(name: string) {
    const { width = 0, height = 0 } = await sharp(path(name)).metadata();
    const margin = (fraction: number) => ({ left: Math.round(width * fraction), top: Math.round(height * fraction) });
    const cropped = (fraction: number) => {
      const { left, top } = margin(fraction);
      return sharp(path(name)).extract({ left, top, width: width - 2 * left, height: height - 2 * top });
    };
    return {
      "re-encoded (JPEG quality 30)": await sharp(path(name)).jpeg({ quality: 30 }).toBuffer(),
      "resized to a quarter (JPEG quality 70)": await sharp(path(name)).resize(Math.round(width / 4)).jpeg({ quality: 70 }).toBuffer(),
      "cropped by 2% on every side": await cropped(0.02).png().toBuffer(),
      "all three": await cropped(0.02).resize(Math.round(width * 0.6)).jpeg({ quality: 50 }).toBuffer(),
    };
  }

  // Measured: re-encoded 0-4 bits, resized 0-6, cropped 2-6, all three 4-6.
  it.each(FIXTURES)("finds copies of %s within the default threshold", async (name) => {
    const original = await hashOf(path(name));
    for (const [kind, bytes] of Object.entries(await copiesOf(name))) {
      expect(hammingDistance(original, await hashOf(bytes)), kind).toBeLessThanOrEqual(nearDuplicateMaxDistance);
    }
  });

  // Measured: 26 to 38 bits apart; the default threshold is 8.
  it("keeps the fixtures apart, far beyond the threshold", async () => {
    const hashes = await Promise.all(FIXTURES.map((name) => hashOf(path(name))));
    for (let a = 0; a < hashes.length; a += 1) {
      for (let b = a + 1; b < hashes.length; b += 1) {
        expect(hammingDistance(hashes[a]!, hashes[b]!), `${FIXTURES[a]} and ${FIXTURES[b]}`).toBeGreaterThanOrEqual(2 * nearDuplicateMaxDistance);
      }
    }
  });
});
