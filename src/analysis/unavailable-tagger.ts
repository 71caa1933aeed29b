import { TaggerUnavailableError } from "./errors.js";
import type { Tagger } from "./tagger.js";

/** Stands in when no tagger is configured (TAGGER=none): every analysis fails clearly. */
export function createUnavailableTagger(reason: string): Tagger {
  return {
    name: "none",
    configured: false,
    steps: [],
    analyze: async () => {
      throw new TaggerUnavailableError(`No image tagger is available: ${reason}`);
    },
    health: () => ({ name: "none", ready: false, detail: reason }),
    close: async () => {},
  };
}
