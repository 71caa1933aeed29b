import type { Logger } from "pino";
import type { ImageFeatures } from "./features.js";
import type { AnalyzeOptions, ImageInput, Tagger } from "./tagger.js";

/**
 * The "multi-expert" design: the local panel analyses first, then the LLM
 * sees the photo and the panel's findings and writes the final features. If
 * the LLM fails, the panel's own fusion stands, and onFallback says so.
 */
export function createSynthesisingTagger(experts: Tagger, synthesiser: Tagger, logger: Pick<Logger, "warn">): Tagger {
  return {
    name: `${synthesiser.name}+${experts.name}`,
    configured: true,
    steps: [...experts.steps, ...synthesiser.steps],
    optionalSteps: experts.optionalSteps ?? [],
    // The experts run first, so their start is the analysis's start.
    waitsForWorker: experts.waitsForWorker ?? false,
    async analyze(image: ImageInput, options: AnalyzeOptions = {}): Promise<ImageFeatures> {
      const findings = await experts.analyze(image, options);
      try {
        const synthesised = await synthesiser.analyze(image, { ...options, expertFindings: findings });
        // The LLM's caption wins; when it gives none, the panel's still describes the photo.
        return { ...synthesised, caption: synthesised.caption ?? findings.caption };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn({ err: error, sha256: image.sha256 }, "synthesis failed; keeping the local panel's features");
        options.onFallback?.(reason);
        return findings;
      }
    },
    health: () => {
      const [local, remote] = [experts.health(), synthesiser.health()];
      return { name: `${remote.name}+${local.name}`, ready: local.ready && remote.ready, detail: `${remote.detail ?? ""}; ${local.detail ?? ""}` };
    },
    close: async () => {
      await Promise.all([experts.close(), synthesiser.close()]);
    },
  };
}
