import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import sharp from "sharp";
import type { EmbeddingModel } from "../../embedding.js";
import { ImageAnalysisFailedError } from "../errors.js";

/**
 * The embedding: CenterNet's own MobileNetV3 backbone (the detector's model,
 * already loaded), run on the whole photo at a small input, its last residual
 * block average-pooled over space and scaled to unit length. Features a
 * detector learned to tell objects apart by, whatever the object: an
 * "unidentified object" still gets a vector that finds its look-alikes.
 *
 * Bump the id whenever anything here changes what a vector means (node,
 * input size, resizing, pooling): stored vectors of another id are
 * re-embedded by the backfill job.
 */
export const BACKBONE_EMBEDDING: EmbeddingModel = { id: "centernet-mbv3/expanded_conv_14-avg/256/v1", dimension: 120 };

const FEATURE_NODE = "tower_0/MobilenetV3/expanded_conv_14/add";
const INPUT_SIZE = 256;

/** One per thread, on the shared CenterNet graph. */
export class BackboneEmbedder {
  constructor(private readonly graph: GraphModel) {}

  /**
   * Decodes straight to the input size (JPEG shrink-on-load makes that cheap):
   * upright, transparency on white as the panel sees it, stretched to the
   * square so that nothing of the product is cut off.
   */
  async embedFile(filePath: string, maxPixels: number): Promise<number[]> {
    let pixels: Buffer;
    try {
      pixels = await sharp(filePath, { limitInputPixels: maxPixels, failOn: "truncated", page: 0, pages: 1 })
        .rotate()
        .flatten({ background: "#ffffff" })
        .toColourspace("srgb")
        .resize(INPUT_SIZE, INPUT_SIZE, { fit: "fill" })
        .removeAlpha()
        .raw()
        .toBuffer();
    } catch (error) {
      throw new ImageAnalysisFailedError("The image is truncated or corrupt and could not be decoded.", {}, { cause: error });
    }
    return this.embedPixels(pixels);
  }

  /** `pixels`: INPUT_SIZE x INPUT_SIZE RGB bytes. */
  async embedPixels(pixels: Buffer): Promise<number[]> {
    const pooled = tf.tidy(() => {
      const batch = tf.tensor4d(Float32Array.from(pixels), [1, INPUT_SIZE, INPUT_SIZE, 3]);
      const features = this.graph.execute(batch, FEATURE_NODE) as tf.Tensor4D;
      return tf.mean(features, [0, 1, 2]);
    });
    const values = Array.from(await pooled.data());
    pooled.dispose();
    return unitLength(values);
  }
}

export function unitLength(values: readonly number[]): number[] {
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  // A flat image can pool to all zeros: any fixed direction is as good as another.
  if (!(norm > 0)) return values.map((_value, index) => (index === 0 ? 1 : 0));
  return values.map((value) => value / norm);
}
