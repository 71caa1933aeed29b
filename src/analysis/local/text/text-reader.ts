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

/** How much work one photo may cost the reader. */
export interface TextReaderLimits {
  /** Layout analysis and recognition together; past it the reader gives up on the photo. */
  budgetMs: number;
  /** Photos whose layout analysis finds more candidate text regions are not recognised at all. */
  maxRegions: number;
}

/** What the reader made of one photo: its words, or why it read none. */
export type Reading = { words: ReadWord[]; skipped: null } | { words: []; skipped: string };

// English LSTM model (integerised "best"), shipped by @tesseract.js-data/eng.
const LANGUAGE = "eng";
const LANGUAGE_DATA = () => shippedFolder("@tesseract.js-data/eng", "4.0.0_best_int");
const MIN_SIDE = 16;
/**
 * Recognition time grows with area. Scene text worth tagging (brands, labels,
 * signs) stays legible at this size, and a 1600 px working copy of a texture
 * costs about 0.6 times as much here.
 */
const OCR_MAX_SIDE = 1280;

/**
 * OCR with Tesseract (wasm) in sparse-text mode, which finds scattered words
 * on signs and labels where page layout analysis finds none. Language data
 * and the wasm core come from node_modules: nothing is fetched or cached on disk.
 *
 * Tesseract spends its time per candidate region, and textures (noise,
 * gravel, fur, foliage) give it hundreds of them. So each photo gets a layout
 * pass first, and is recognised only when the candidates are few; and the
 * whole reading has a time budget, past which Tesseract's thread is
 * terminated (the only way to stop it) and a fresh one is started for the
 * next photo.
 */
export class TextReader {
  private worker: Promise<Worker> | null;

  private constructor(
    worker: Worker,
    private readonly limits: TextReaderLimits,
  ) {
    this.worker = Promise.resolve(worker);
  }

  static async start(limits: TextReaderLimits): Promise<TextReader> {
    return new TextReader(await startTesseract(), limits);
  }

  async read(image: RgbImage): Promise<Reading> {
    if (image.width < MIN_SIDE || image.height < MIN_SIDE) return { words: [], skipped: null };
    // Starting Tesseract (after a restart) is not this photo's doing: the budget counts from here.
    const worker = await this.tesseract();
    let timer: NodeJS.Timeout | undefined;
    const overBudget = new Promise<"over budget">((resolve) => {
      timer = setTimeout(() => resolve("over budget"), this.limits.budgetMs);
    });
    const reading = this.readWithinBudget(worker, image);
    // Once abandoned, its failure (Tesseract terminated under it) must not surface as an unhandled rejection.
    reading.catch(() => {});
    try {
      const outcome = await Promise.race([reading, overBudget]);
      if (outcome !== "over budget") return outcome;
      await this.restart();
      return { words: [], skipped: `OCR did not finish within its ${this.limits.budgetMs} ms budget` };
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await (await worker?.catch(() => null))?.terminate();
  }

  private async readWithinBudget(worker: Worker, image: RgbImage): Promise<Reading> {
    const scale = Math.min(1, OCR_MAX_SIDE / Math.max(image.width, image.height));
    // Uncompressed PNG: the cheapest format tesseract.js decodes.
    const png = await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(Math.round(image.width * scale), Math.round(image.height * scale), { fit: "fill" })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const layout = await worker.recognize(png, {}, { layoutBlocks: true, blocks: false, text: false });
    // tesseract.js types the page without its layout-only output.
    const regions = countRegions((layout.data as { layoutBlocks?: unknown }).layoutBlocks);
    if (regions > this.limits.maxRegions) {
      return { words: [], skipped: `OCR skipped: ${regions} candidate text regions, more than ${this.limits.maxRegions} (texture, not text)` };
    }
    const { data } = await worker.recognize(png, {}, { blocks: true, text: false });
    // Boxes are shares of the side, so the OCR copy's scale cancels out.
    const [width, height] = [Math.round(image.width * scale), Math.round(image.height * scale)];
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
              box: { x: x0 / width, y: y0 / height, width: (x1 - x0) / width, height: (y1 - y0) / height },
            });
          }
        }
      }
    }
    return { words, skipped: null };
  }

  private tesseract(): Promise<Worker> {
    this.worker ??= startTesseract();
    // A failed start is tried again by the next photo.
    const starting = this.worker;
    starting.catch(() => {
      if (this.worker === starting) this.worker = null;
    });
    return starting;
  }

  /** Ends Tesseract's thread mid-recognition, and starts a fresh one for the next photo. */
  private async restart(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    // The abandoned recognize() never settles: terminate() ends the thread without answering it.
    await (await worker?.catch(() => null))?.terminate();
    void this.tesseract().catch(() => {});
  }
}

async function startTesseract(): Promise<Worker> {
  const worker = await createWorker(LANGUAGE, OEM.LSTM_ONLY, {
    langPath: LANGUAGE_DATA(),
    gzip: true,
    cacheMethod: "none",
    // Without a handler tesseract.js rethrows job errors from a message listener, which would kill this thread.
    errorHandler: () => {},
  });
  await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT, debug_file: "/dev/null" });
  return worker;
}

/** Text lines the layout pass proposes: what recognition would have to read one by one. */
function countRegions(blocks: unknown): number {
  let lines = 0;
  for (const block of Array.isArray(blocks) ? (blocks as Array<{ paragraphs?: Array<{ lines?: unknown[] }> }>) : []) {
    for (const paragraph of block.paragraphs ?? []) lines += paragraph.lines?.length ?? 0;
  }
  return lines;
}
