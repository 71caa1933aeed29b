import type { Config } from "../config.js";
import { createOpenAiTagger, type OpenAiTaggerLogger } from "./openai/openai-tagger.js";
import type { Tagger } from "./tagger.js";
import { createUnavailableTagger } from "./unavailable-tagger.js";

/** Picks the tagger the configuration asks for. */
export function createTagger(config: Config["tagger"], logger: OpenAiTaggerLogger): Tagger {
  switch (config.mode) {
    case "openai":
      return createOpenAiTagger({ ...config.openai, baseUrl: config.openai.baseUrl, logger });
    case "local":
    case "openai+local":
      return createUnavailableTagger("the local tagger is not part of this build yet");
    case "none":
      return createUnavailableTagger("TAGGER is set to none");
  }
}
