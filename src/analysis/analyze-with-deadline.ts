import { TaggerInvalidResponseError, TaggerTimeoutError } from "./errors.js";
import { imageFeaturesSchema, type ImageFeatures } from "./features.js";
import type { AnalyzeOptions, ImageInput, Tagger } from "./tagger.js";

/**
 * Runs a tagger under a hard deadline and re-validates what it returns, so
 * no tagger, however written, can hang a request or store a bad shape.
 */
export async function analyzeWithDeadline(
  tagger: Tagger,
  image: ImageInput,
  timeoutMs: number,
  options: AnalyzeOptions = {},
): Promise<ImageFeatures> {
  const deadline = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new TaggerTimeoutError(`Image analysis (${tagger.name}) did not finish within ${timeoutMs} ms.`, { timeoutMs });
      deadline.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const features = await Promise.race([tagger.analyze(image, { ...options, signal }), expired]);
    const checked = imageFeaturesSchema.safeParse(features);
    if (!checked.success) {
      throw new TaggerInvalidResponseError(`The ${tagger.name} tagger returned features that do not match the schema.`, {
        path: checked.error.issues[0]?.path.join("."),
      });
    }
    return checked.data;
  } finally {
    clearTimeout(timer);
  }
}
