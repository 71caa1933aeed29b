import { performance } from "node:perf_hooks";
import type { ImageFeatures } from "../features.js";
import { objectColours, wholeImageColours } from "./colour/colour-analyst.js";
import { CenterNetDetector } from "./detector/centernet-detector.js";
import { loadCenterNetGraph } from "./detector/centernet-graph.js";
import { BackboneEmbedder } from "./embedding/backbone-embedder.js";
import { fuseEvidence } from "./fusion.js";
import type { PanelStep, SkippedStep } from "./panel-steps.js";
import { decodeRgbImage } from "./rgb-image.js";
import { TextReader, type Reading, type TextReaderLimits } from "./text/text-reader.js";

/** The loaded experts of one thread. The colour analyst needs no model. */
export interface PanelExperts {
  detector: CenterNetDetector;
  /** On the detector's own graph: one copy of the weights per thread. */
  embedder: BackboneEmbedder;
  /** null when OCR is switched off. */
  reader: TextReader | null;
}

export type PanelTimings = Record<PanelStep | "decode" | "total", number>;

export async function loadExperts(options: { ocr: TextReaderLimits | null }): Promise<PanelExperts> {
  const [graph, reader] = await Promise.all([loadCenterNetGraph(), options.ocr ? TextReader.start(options.ocr) : null]);
  return { detector: await CenterNetDetector.load(graph), embedder: new BackboneEmbedder(graph), reader };
}

/**
 * Decodes the photo once and runs the experts side by side: the detector on
 * this thread (wasm), OCR on tesseract's own thread, colour sampling on
 * libuv's pool. Box colours wait for the detector's boxes. The embedding
 * follows the detector on this thread, from the same decoded copy, while OCR
 * is still reading: it adds little to an analysis's time. The vector is
 * handed to onVector as soon as it exists, so it survives an analysis that
 * OCR then makes miss its deadline.
 */
export async function analysePhoto(
  encoded: Uint8Array,
  experts: PanelExperts,
  options: {
    maxPixels: number;
    /** Experts to leave out (a retry after OCR made the analysis miss its deadline). */
    skip: readonly PanelStep[];
    onStep: (step: PanelStep) => void;
    onVector: (vector: number[]) => void;
  },
): Promise<{ features: ImageFeatures; vector: number[]; timings: PanelTimings; skipped: SkippedStep[] }> {
  const started = performance.now();
  const image = await decodeRgbImage(encoded, options.maxPixels);
  const decoded = performance.now();
  const timings: PanelTimings = { decode: decoded - started, detector: 0, colour: 0, ocr: 0, total: 0 };
  const finished = <T>(step: PanelStep, value: T): T => {
    timings[step] = performance.now() - decoded;
    options.onStep(step);
    return value;
  };

  const detecting = experts.detector.detect(image).then((detections) => finished("detector", detections));
  const wholeImageReading = wholeImageColours(image);
  const colouring = Promise.all([detecting, wholeImageReading]).then(async ([detections, wholeImage]) => {
    const boxes = await Promise.all(detections.map((detection) => objectColours(image, detection.box, wholeImage.exposureGain)));
    return finished("colour", { wholeImage, boxes });
  });
  const reader = options.skip.includes("ocr") ? null : experts.reader;
  const reading: Promise<Reading> = reader ? reader.read(image).then((words) => finished("ocr", words)) : Promise.resolve({ words: [], skipped: null });
  const embedding = detecting.then(() => experts.embedder.embedImage(image)).then((vector) => {
    options.onVector(vector);
    return vector;
  });

  const [detections, colours, read, vector] = await Promise.all([detecting, colouring, reading, embedding]);
  const features = fuseEvidence({ detections, detectionColours: colours.boxes, wholeImage: colours.wholeImage, words: read.words });
  timings.total = performance.now() - started;
  const skipped: SkippedStep[] = read.skipped ? [{ step: "ocr", reason: read.skipped }] : [];
  return { features, vector, timings, skipped };
}
