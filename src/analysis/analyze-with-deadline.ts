import { TaggerBusyError, TaggerInvalidResponseError, TaggerTimeoutError } from "./errors.js";
import { imageFeaturesSchema, type ImageFeatures } from "./features.js";
import type { AnalyzeOptions, ImageInput, Tagger } from "./tagger.js";

/**
 * How long an analysis may wait for a free worker. The photo ahead of it is
 * stopped at its own deadline, so one deadline is the usual worst case; on
 * top of it, the fresh thread that replaces a stopped one loads its models
 * (seconds, more on a busy machine, whatever the deadline).
 */
export function maxWaitMs(timeoutMs: number): number {
  return Math.max(2 * timeoutMs, timeoutMs + 30_000);
}

/** The longest one analyzeWithDeadline() call can take: waiting for a worker, then the deadline. */
export function analysisTimeBoundMs(timeoutMs: number): number {
  return maxWaitMs(timeoutMs) + timeoutMs;
}

/**
 * Runs a tagger under a hard deadline and re-validates what it returns, so
 * no tagger, however written, can hang a request or store a bad shape.
 *
 * For a tagger that waits for a worker thread (the local panel), the
 * deadline counts from when its work starts: an analysis queued behind a
 * slow photo must not time out for that photo's sake. The wait itself is
 * bounded too (TAGGER_BUSY). Passing the deadline aborts the tagger's signal,
 * on which the local panel terminates the thread doing the work.
 */
export async function analyzeWithDeadline(
  tagger: Tagger,
  image: ImageInput,
  timeoutMs: number,
  options: AnalyzeOptions = {},
): Promise<ImageFeatures> {
  const deadline = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const finishedSteps = new Set<string>();
  const expectedSteps = tagger.steps.filter((step) => !options.skipSteps?.includes(step));
  let timer: NodeJS.Timeout | undefined;
  let fail: (error: Error) => void = () => {};
  const expired = new Promise<never>((_resolve, reject) => {
    fail = (error) => {
      deadline.abort(error);
      reject(error);
    };
  });
  const startDeadline = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const unfinishedSteps = expectedSteps.filter((step) => !finishedSteps.has(step));
      const still = unfinishedSteps.length > 0 ? ` (still running: ${unfinishedSteps.join(", ")})` : "";
      fail(new TaggerTimeoutError(`Image analysis (${tagger.name}) did not finish within ${timeoutMs} ms${still}.`, { timeoutMs, unfinishedSteps }));
    }, timeoutMs);
  };
  let started = false;
  if (tagger.waitsForWorker) {
    const waitMs = maxWaitMs(timeoutMs);
    timer = setTimeout(() => {
      fail(new TaggerBusyError(`No ${tagger.name} tagger worker became free within ${waitMs} ms.`, { maxWaitMs: waitMs }));
    }, waitMs);
  } else {
    started = true;
    startDeadline();
  }
  try {
    const analysis = tagger.analyze(image, {
      ...options,
      signal,
      onStep: (step) => {
        finishedSteps.add(step);
        options.onStep?.(step);
      },
      onStarted: () => {
        if (started || deadline.signal.aborted) return;
        started = true;
        startDeadline();
        options.onStarted?.();
      },
    });
    const features = await Promise.race([analysis, expired]);
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
