import type { Logger } from "pino";
import type { Config } from "../config.js";
import { createLocalPanelTagger } from "./local/index.js";
import { createOpenAiTagger } from "./openai/openai-tagger.js";
import { createSynthesisingTagger } from "./synthesising-tagger.js";
import type { Tagger } from "./tagger.js";
import { createUnavailableTagger } from "./unavailable-tagger.js";

/** Picks the tagger the configuration asks for. */
export function createTagger(config: Config["tagger"], maxImagePixels: number, logger: Logger): Tagger {
  const local = () => createLocalPanelTagger({ ...config.local, maxImagePixels, logger: logger.child({ tagger: "local" }) });
  const openai = () => createOpenAiTagger({ ...config.openai, logger: logger.child({ tagger: "openai" }) });
  switch (config.mode) {
    case "local":
      return local();
    case "openai":
      return openai();
    case "openai+local":
      return createSynthesisingTagger(local(), openai(), logger);
    case "none":
      return createUnavailableTagger("TAGGER is set to none");
  }
}
