import sharp from "sharp";
import type { Embedder } from "../../src/analysis/embedding.js";
import type { Tagger } from "../../src/analysis/tagger.js";
import { features } from "./images.js";

/**
 * A tagger and an embedder for service tests (startApp's overrides), with no
 * model and no HTTP: both decode the bytes they are handed, so a test sees
 * that the real photo reached them through storage. The tag is the dominant
 * primary colour; the vector is the mean colour, at unit length.
 */
export function pixelAnalysers(): { tagger: Tagger; embedder: Embedder } {
  const tagger: Tagger = {
    name: "pixels",
    configured: true,
    steps: ["pixels"],
    async analyze(image, options) {
      const [red, green, blue] = await meanColour(image.bytes);
      options?.onStep?.("pixels");
      const colour = red >= green && red >= blue ? "red" : green >= blue ? "green" : "blue";
      return features({ square: [colour] }, [], `A ${colour} square.`);
    },
    health: () => ({ name: "pixels", ready: true }),
    close: async () => {},
  };
  const embedder: Embedder = {
    model: { id: "test-mean-colour/v1", dimension: 3 },
    async embed(image) {
      const mean = await meanColour(image.bytes);
      const length = Math.hypot(...mean) || 1;
      return { model: "test-mean-colour/v1", vector: mean.map((value) => value / length) };
    },
    health: () => ({ name: "pixels", ready: true }),
    close: async () => {},
  };
  return { tagger, embedder };
}

async function meanColour(bytes: Uint8Array): Promise<[number, number, number]> {
  const { channels } = await sharp(bytes).removeAlpha().stats();
  return [channels[0]!.mean, channels[1]!.mean, channels[2]!.mean];
}
