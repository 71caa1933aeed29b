import { withCode } from "../../errors.js";

/** The image itself cannot be analysed: corrupt, truncated, too large or in a format that cannot be decoded. */
export class ImageAnalysisFailedError extends withCode("IMAGE_ANALYSIS_FAILED") {}

/**
 * The local panel failed for a reason of its own (a worker thread died, or an
 * expert threw unexpectedly), not because of the image; a fresh worker takes
 * over, so trying again may succeed.
 */
export class LocalTaggerFailedError extends withCode("LOCAL_TAGGER_FAILED", { transient: true }) {}
