import type { Sharp } from "sharp";

/**
 * A 64-bit perceptual hash (pHash, DCT-based): two photos that look the same
 * (re-encoded, resized, slightly cropped) get hashes a few bits apart, however
 * different their bytes. Chosen over dHash because the lowest frequencies of a
 * DCT survive resizing and JPEG artefacts better, and unrelated photos land
 * further apart (see test/media/perceptual-hash.test.ts for the distances).
 *
 * The EXIF-rotated image is flattened, turned grey and squeezed to 32x32; the
 * 63 lowest AC coefficients of its DCT (the 8x8 corner without the DC term,
 * which only says how bright the photo is) are compared with their median.
 * Bit k is coefficient k in row-major order; bit 63 is always 0, so the value
 * fits a signed bigint column unchanged. Half the bits are set, so distances
 * between two hashes are even.
 */
export const PERCEPTUAL_HASH_BITS = 64;

const SIZE = 32;
const FREQUENCIES = 8;
/** A flat image's AC coefficients are 0 up to rounding: they must not set bits at random. */
const EPSILON = 1e-6;

/** COSINES[k][n]: the DCT-II basis, frequency k at sample n. */
const COSINES = Array.from({ length: FREQUENCIES }, (_, k) =>
  Float64Array.from({ length: SIZE }, (_, n) => Math.cos((Math.PI / SIZE) * (n + 0.5) * k)),
);

/** Decodes the image (limits and failOn are the caller's) and hashes it. */
export async function perceptualHash(image: Sharp): Promise<bigint> {
  const { data, info } = await image
    .autoOrient()
    .flatten({ background: "#ffffff" })
    .greyscale()
    .resize(SIZE, SIZE, { fit: "fill" })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== SIZE * SIZE) throw new Error(`expected ${SIZE}x${SIZE} grey pixels, got ${info.channels} channels`);
  return hashOfCoefficients(lowFrequencies(data));
}

/** Bits that differ: 0 for the same picture, about 32 for unrelated ones. */
export function hammingDistance(a: bigint, b: bigint): number {
  let diff = BigInt.asUintN(PERCEPTUAL_HASH_BITS, a ^ b);
  let count = 0;
  for (; diff; diff &= diff - 1n) count += 1;
  return count;
}

/** The 2-D DCT's 63 lowest AC coefficients, row-major, computed separably. */
function lowFrequencies(pixels: Uint8Array): number[] {
  const rows = Array.from({ length: SIZE }, (_, y) =>
    COSINES.map((cosine) => cosine.reduce((sum, c, x) => sum + c * pixels[y * SIZE + x]!, 0)),
  );
  const coefficients: number[] = [];
  for (let v = 0; v < FREQUENCIES; v += 1) {
    for (let u = 0; u < FREQUENCIES; u += 1) {
      if (u === 0 && v === 0) continue;
      coefficients.push(COSINES[v]!.reduce((sum, c, y) => sum + c * rows[y]![u]!, 0));
    }
  }
  return coefficients;
}

function hashOfCoefficients(coefficients: number[]): bigint {
  const median = [...coefficients].sort((a, b) => a - b)[coefficients.length >> 1]!;
  return coefficients.reduce((hash, value, bit) => (value - median > EPSILON ? hash | (1n << BigInt(bit)) : hash), 0n);
}
