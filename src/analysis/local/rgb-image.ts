import sharp, { type OutputInfo } from "sharp";
import { ImageAnalysisFailedError } from "./errors.js";

/** A decoded photo: 8-bit sRGB, 3 bytes per pixel, upright, no alpha. Every expert reads this one copy. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** Big enough for small scene text, small enough to keep each expert fast. */
const WORKING_MAX_SIDE = 1600;

/**
 * Decodes an encoded image once into the working copy: EXIF orientation applied,
 * transparency flattened onto white (how a cut-out product is shown), CMYK
 * and grey converted to sRGB, and only the first frame of an animation.
 */
export async function decodeRgbImage(encoded: Uint8Array, maxPixels: number): Promise<RgbImage> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(encoded, { limitInputPixels: maxPixels, failOn: "truncated", page: 0, pages: 1 })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .resize(WORKING_MAX_SIDE, WORKING_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageAnalysisFailedError(describeDecodeFailure(error), {}, { cause: error });
  }
  const { data, info } = decoded;
  if (info.channels !== 3) {
    throw new ImageAnalysisFailedError(`The image decoded to ${info.channels} channels instead of RGB.`, { channels: info.channels });
  }
  return { width: info.width, height: info.height, pixels: data };
}

function describeDecodeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return "The image has too many pixels to analyse.";
  if (/missing|no such file/i.test(message)) return "The image file is missing.";
  if (/unsupported image format/i.test(message)) return "The image format is not supported.";
  return "The image is truncated or corrupt and could not be decoded.";
}
