import sharp, { type Metadata } from "sharp";
import { ImageTooLargeError, InvalidImageError } from "./errors.js";
import { perceptualHash } from "./perceptual-hash.js";

/**
 * Reads the header to refuse oversized images before any decoding (a small
 * file can declare a huge canvas), then decodes the image once, shrunk, so a
 * truncated or corrupt file is caught here rather than by the tagger. That one
 * decode also yields the perceptual hash, so near duplicates cost no extra pass.
 */
export async function probeImage(path: string, maxPixels: number): Promise<{ width: number; height: number; perceptualHash: bigint }> {
  const options = { limitInputPixels: maxPixels, failOn: "truncated" as const };
  let metadata: Metadata;
  try {
    // Header only: nothing is decoded yet, so no pixel limit is needed to read it.
    metadata = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new InvalidImageError("The image could not be read: it is truncated or corrupt.", {}, { cause: error });
  }
  const width = metadata.autoOrient?.width ?? metadata.width;
  const height = metadata.autoOrient?.height ?? metadata.height;
  if (!width || !height) throw new InvalidImageError("The image has no readable dimensions.");
  if (width * height > maxPixels) {
    throw new ImageTooLargeError(`The image is ${width}x${height} pixels, more than the limit of ${maxPixels} pixels.`, {
      width,
      height,
      maxPixels,
    });
  }
  try {
    return { width, height, perceptualHash: await perceptualHash(sharp(path, options)) };
  } catch (error) {
    throw new InvalidImageError("The image is truncated or corrupt and could not be decoded.", {}, { cause: error });
  }
}
