import { expect } from "vitest";
import type { ImageInput, Tagger } from "../../src/analysis/tagger.js";

export interface MeasuredDeadline {
  /** Between the slowest photo that must finish and the photo that must be stopped. */
  deadlineMs: number;
  stoppedMs: number;
  finishingMs: number;
}

/**
 * A deadline for the tests of the panel's bounds, from the speed of the machine
 * running them: on a warm panel with OCR unbounded, the photo to be stopped
 * (a texture that keeps OCR busy) and the photos that must finish are timed,
 * and the deadline is the geometric mean of the texture's time and the
 * slowest of the others. A fixed deadline was stopped at on a loaded machine
 * and outrun on a quiet one. The premise, the texture taking several times
 * longer, is checked.
 */
export async function deadlineBetween(tagger: Tagger, toStop: ImageInput, toFinish: Array<{ input: ImageInput; skipSteps?: string[] }>): Promise<MeasuredDeadline> {
  const time = async (input: ImageInput, skipSteps: string[] = []) => {
    const startedAt = performance.now();
    await tagger.analyze(input, { skipSteps });
    return performance.now() - startedAt;
  };
  for (const { input, skipSteps } of toFinish) await time(input, skipSteps); // warm: model loading is not the work measured
  let finishingMs = 0;
  for (const { input, skipSteps } of toFinish) finishingMs = Math.max(finishingMs, await time(input, skipSteps));
  const stoppedMs = await time(toStop);
  expect(stoppedMs, `the texture (${Math.round(stoppedMs)} ms) must take several times a photo that finishes (${Math.round(finishingMs)} ms)`).toBeGreaterThan(3 * finishingMs);
  return { deadlineMs: Math.round(Math.sqrt(stoppedMs * finishingMs)), stoppedMs, finishingMs };
}
