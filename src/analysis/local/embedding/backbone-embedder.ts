import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import sharp from "sharp";
import type { EmbeddingModel } from "../../embedding.js";
import { ImageAnalysisFailedError } from "../errors.js";
import type { RgbImage } from "../rgb-image.js";

/**
 * The embedding: CenterNet's own MobileNetV3 backbone (the detector's model,
 * already loaded), its last residual block average-pooled over space, for
 * two views of the photo (the whole of it, and its centre 80%) summed and
 * scaled to unit length. Features a detector learned to tell objects apart
 * by, whatever the object: an "unidentified object" still gets a vector that
 * finds its look-alikes. The centre view makes a cropped copy, or a photo
 * framed tighter, land near the original (on the quality bench's tuning
 * photos: same-group neighbour 0.52 -> 0.61, cropped copies found 0.986 ->
 * 0.995, against the whole photo alone; pooling by max or GeM, the head's
 * features, colour histograms and a 512 input all did worse or no better).
 *
 * Bump the id whenever anything here changes what a vector means (node,
 * views, input size, resizing, pooling): stored vectors of another id are
 * re-embedded by the backfill job.
 */
export const BACKBONE_EMBEDDING: EmbeddingModel = { id: "centernet-mbv3/expanded_conv_14-avg/256/whole+centre80/v1", dimension: 120 };

const FEATURE_NODE = "tower_0/MobilenetV3/expanded_conv_14/add";
const INPUT_SIZE = 256;
/** The centre view keeps this share of each side. */
const CENTRE_SHARE = 0.8;
/** Decoded once at most this large, then cut into the views (JPEG shrink-on-load makes that cheap). */
const WORKING_SIDE = 2 * INPUT_SIZE;

/** One per thread, on the shared CenterNet graph. */
export class BackboneEmbedder {
  constructor(private readonly graph: GraphModel) {}

  /** Upright, transparency on white as the panel sees it; each view stretched to the square so nothing is cut off. */
  async embedEncoded(encoded: Uint8Array, maxPixels: number): Promise<number[]> {
    let views: Buffer[];
    try {
      const { data, info } = await sharp(encoded, { limitInputPixels: maxPixels, failOn: "truncated", page: 0, pages: 1 })
        .rotate()
        .flatten({ background: "#ffffff" })
        .toColourspace("srgb")
        .resize(WORKING_SIDE, WORKING_SIDE, { fit: "inside", withoutEnlargement: true })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      views = await Promise.all([viewOf(data, info.width, info.height, 1), viewOf(data, info.width, info.height, CENTRE_SHARE)]);
    } catch (error) {
      throw new ImageAnalysisFailedError("The image is truncated or corrupt and could not be decoded.", {}, { cause: error });
    }
    return this.embedViews(views);
  }

  /** The same from the panel's decoded copy of the photo (no second decode). */
  async embedImage(image: RgbImage): Promise<number[]> {
    const scale = Math.min(1, WORKING_SIDE / Math.max(image.width, image.height));
    const width = Math.max(1, Math.round(image.width * scale));
    const height = Math.max(1, Math.round(image.height * scale));
    const working = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(width, height, { fit: "fill" }).raw().toBuffer();
    return this.embedViews(await Promise.all([viewOf(working, width, height, 1), viewOf(working, width, height, CENTRE_SHARE)]));
  }

  /** `views`: INPUT_SIZE x INPUT_SIZE RGB bytes each, run as one batch. */
  async embedViews(views: readonly Buffer[]): Promise<number[]> {
    const pooled = tf.tidy(() => {
      const batch = tf.tensor4d(Float32Array.from(Buffer.concat(views)), [views.length, INPUT_SIZE, INPUT_SIZE, 3]);
      const features = this.graph.execute(batch, FEATURE_NODE) as tf.Tensor4D;
      return tf.sum(tf.mean(features, [1, 2]), 0);
    });
    const values = Array.from(await pooled.data());
    pooled.dispose();
    return unitLength(values);
  }
}

/** The centre `share` of each side of the decoded photo, stretched to the input square. */
function viewOf(pixels: Buffer, width: number, height: number, share: number): Promise<Buffer> {
  const cropWidth = Math.max(1, Math.round(width * share));
  const cropHeight = Math.max(1, Math.round(height * share));
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .extract({ left: Math.floor((width - cropWidth) / 2), top: Math.floor((height - cropHeight) / 2), width: cropWidth, height: cropHeight })
    .resize(INPUT_SIZE, INPUT_SIZE, { fit: "fill" })
    .raw()
    .toBuffer();
}

export function unitLength(values: readonly number[]): number[] {
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  // A flat image can pool to all zeros: any fixed direction is as good as another.
  if (!(norm > 0)) return values.map((_value, index) => (index === 0 ? 1 : 0));
  return values.map((value) => value / norm);
}
