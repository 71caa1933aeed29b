import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import sharp from "sharp";
import type { RgbImage } from "../rgb-image.js";
import { COCO_LABELS } from "./coco-labels.js";
import { suppressOverlaps, type Detection, type SuppressionRules } from "./detections.js";
const OUTPUT_NODE = "tower_0/detections";
const INPUT_SIZE = 512;
// Grey padding, as in the usual letterbox; black would read as a dark object.
const PADDING = { r: 114, g: 114, b: 114 };
const MIN_SCORE = 0.3;
const MIN_SIDE = 8;
const RULES: SuppressionRules = { sameClassIou: 0.5, otherClassIou: 0.7, otherClassScoreRatio: 0.6, maxDetections: 10 };

/** COCO-80 object detector: CenterNet on TensorFlow.js (wasm backend). One instance per thread. */
export class CenterNetDetector {
  private constructor(private readonly model: GraphModel) {}

  /** `graph` is loadCenterNetGraph()'s, which this thread's embedder shares. */
  static async load(graph: GraphModel): Promise<CenterNetDetector> {
    const detector = new CenterNetDetector(graph);
    // The first run compiles kernels and allocates; pay for it at load, not on a user's photo.
    await detector.detectIn(Buffer.alloc(INPUT_SIZE * INPUT_SIZE * 3), { width: 1, height: 1 });
    return detector;
  }

  async detect(image: RgbImage): Promise<Detection[]> {
    if (image.width < MIN_SIDE || image.height < MIN_SIDE) return [];
    const { input, scaled } = await letterbox(image);
    return this.detectIn(input, { width: scaled.width / INPUT_SIZE, height: scaled.height / INPUT_SIZE });
  }

  /** `content` is the part of the square input the photo fills, as fractions (the rest is padding). */
  private async detectIn(input: Buffer, content: { width: number; height: number }): Promise<Detection[]> {
    const output = tf.tidy(() => {
      const batch = tf.tensor4d(Float32Array.from(input), [1, INPUT_SIZE, INPUT_SIZE, 3]);
      return this.model.execute(batch, OUTPUT_NODE) as tf.Tensor;
    });
    const rows = await output.data();
    output.dispose();
    const candidates: Detection[] = [];
    // Each row: x1, y1, x2, y2 (input pixels), score, class id.
    for (let row = 0; row + 5 < rows.length; row += 6) {
      const score = rows[row + 4] ?? 0;
      const label = COCO_LABELS[rows[row + 5] ?? -1];
      if (score < MIN_SCORE || label === undefined) continue;
      const toX = (value: number) => clamp(value / INPUT_SIZE / content.width);
      const toY = (value: number) => clamp(value / INPUT_SIZE / content.height);
      const x = toX(rows[row] ?? 0);
      const y = toY(rows[row + 1] ?? 0);
      const box = { x, y, width: toX(rows[row + 2] ?? 0) - x, height: toY(rows[row + 3] ?? 0) - y };
      if (box.width > 0 && box.height > 0) candidates.push({ label, score, box });
    }
    return suppressOverlaps(candidates, RULES);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Tensors alive in this thread: flat across images unless something leaks. */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}

/**
 * Scales the photo to fit the square input without distorting it, anchored
 * top-left so box coordinates map back by a single division. Stretching
 * instead cost CenterNet a lot (a cat read as a dog).
 */
async function letterbox(image: RgbImage): Promise<{ input: Buffer; scaled: { width: number; height: number } }> {
  const scale = INPUT_SIZE / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const input = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: "fill" })
    .extend({ right: INPUT_SIZE - width, bottom: INPUT_SIZE - height, background: PADDING })
    .raw()
    .toBuffer();
  return { input, scaled: { width, height } };
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
