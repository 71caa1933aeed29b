import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Embedder } from "./embedding.js";
import { createLocalPanel } from "./local/index.js";
import { createOpenAiTagger } from "./openai/openai-tagger.js";
import { createSynthesisingTagger } from "./synthesising-tagger.js";
import type { Tagger } from "./tagger.js";
import { createUnavailableTagger } from "./unavailable-tagger.js";

export interface Analysers {
  tagger: Tagger;
  /** Always the local one, whatever the tagger: it needs no key and no network. */
  embedder: Embedder;
  close(): Promise<void>;
}

/**
 * The tagger the configuration asks for, and the embedder. Both run on one
 * set of local panel threads; with a remote tagger those threads only embed,
 * and load no OCR.
 */
export function createAnalysers(config: Config["tagger"], maxImagePixels: number, logger: Logger): Analysers {
  const localTagging = config.mode === "local" || config.mode === "openai+local";
  const panel = createLocalPanel({
    ...config.local,
    ocr: localTagging && config.local.ocr,
    maxImagePixels,
    logger: logger.child({ tagger: "local" }),
  });
  const openai = () => createOpenAiTagger({ ...config.openai, logger: logger.child({ tagger: "openai" }) });
  const tagger = pickTagger(config.mode, panel.tagger, openai, logger);
  return {
    tagger,
    embedder: panel.embedder,
    close: async () => {
      await tagger.close();
      await panel.close();
    },
  };
}

function pickTagger(mode: Config["tagger"]["mode"], local: Tagger, openai: () => Tagger, logger: Logger): Tagger {
  switch (mode) {
    case "local":
      return local;
    case "openai":
      return openai();
    case "openai+local":
      return createSynthesisingTagger(local, openai(), logger);
    case "none":
      return createUnavailableTagger("TAGGER is set to none");
  }
}
