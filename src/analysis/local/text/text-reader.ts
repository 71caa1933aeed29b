import sharp from "sharp";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import type { BoundingBox } from "../../features.js";
import { shippedFolder } from "../package-paths.js";
import type { RgbImage } from "../rgb-image.js";
import { readableWord } from "./word-filter.js";

export interface ReadWord {
  /** Lower case, trimmed of punctuation. */
  text: string;
  /** Tesseract's word confidence, 0..1. */
  confidence: number;
  box: BoundingBox;
}

// English LSTM model (integerised "best"), shipped by @tesseract.js-data/eng.
const LANGUAGE = "eng";
const LANGUAGE_DATA = () => shippedFolder("@tesseract.js-data/eng", "4.0.0_best_int");
const MIN_SIDE = 16;

/**
 * OCR with Tesseract (wasm) in sparse-text mode, which finds scattered words
 * on signs and labels where page layout analysis finds none. Language data
 * and the wasm core come from node_modules: nothing is fetched or cached on disk.
 */
export class TextReader {
  private constructor(private readonly worker: Worker) {}

  static async start(): Promise<TextReader> {
    const worker = await createWorker(LANGUAGE, OEM.LSTM_ONLY, {
      langPath: LANGUAGE_DATA(),
      gzip: true,
      cacheMethod: "none",
      // Without a handler tesseract.js rethrows job errors from a message listener, which would kill this thread.
      errorHandler: () => {},
    });
    await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT, debug_file: "/dev/null" });
    return new TextReader(worker);
  }

  async read(image: RgbImage): Promise<ReadWord[]> {
    if (image.width < MIN_SIDE || image.height < MIN_SIDE) return [];
    // Uncompressed PNG: the cheapest format tesseract.js decodes.
    const png = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const { data } = await this.worker.recognize(png, {}, { blocks: true, text: false });
    const words: ReadWord[] = [];
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          for (const word of line.words) {
            const text = readableWord(word.text, word.confidence);
            if (!text) continue;
            const { x0, y0, x1, y1 } = word.bbox;
            words.push({
              text,
              confidence: Math.round(word.confidence) / 100,
              box: { x: x0 / image.width, y: y0 / image.height, width: (x1 - x0) / image.width, height: (y1 - y0) / image.height },
            });
          }
        }
      }
    }
    return words;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
