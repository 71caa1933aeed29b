import type { ChatCompletion } from "openai/resources/chat/completions";
import { TaggerInvalidResponseError, TaggerRefusalError } from "../errors.js";
import type { ImageFeatures } from "../features.js";
import { readFeaturesLeniently } from "../lenient-features.js";

const LLM_SOURCE = "llm";

/** Reads ImageFeatures out of a completion, or says in a typed error why it cannot. */
export function featuresFromCompletion(completion: ChatCompletion): ImageFeatures {
  const choice = completion.choices?.[0];
  if (!choice) throw new TaggerInvalidResponseError("The tagging service replied without any choices");
  const { message, finish_reason: finishReason } = choice;
  if (message.refusal) {
    throw new TaggerRefusalError("The model declined to describe the image", { refusal: message.refusal.slice(0, 300) });
  }
  if (finishReason === "content_filter") throw new TaggerRefusalError("The reply was withheld by a content filter", { finishReason });
  if (finishReason === "length") throw new TaggerInvalidResponseError("The reply was cut off before it was complete", { finishReason });
  if (!message.content) throw new TaggerInvalidResponseError("The reply was empty");

  let json: unknown;
  try {
    json = JSON.parse(message.content);
  } catch {
    throw new TaggerInvalidResponseError("The reply is not valid JSON");
  }
  // We asked for the strict schema; models that do not enforce it send looser shapes, read here.
  const read = readFeaturesLeniently(json);
  if (!read.success) {
    throw new TaggerInvalidResponseError(`The reply does not match the ImageFeatures schema: ${read.message}`, { path: read.path });
  }
  return withLlmSource(read.data);
}

// The model may leave source null although we know who found every tag.
function withLlmSource(features: ImageFeatures): ImageFeatures {
  return {
    ...features,
    main_objects: features.main_objects.map((object) => ({
      ...object,
      source: object.source ?? LLM_SOURCE,
      attributes: object.attributes.map((attribute) => ({ ...attribute, source: attribute.source ?? LLM_SOURCE })),
    })),
    overall_style: features.overall_style.map((style) => ({ ...style, source: style.source ?? LLM_SOURCE })),
  };
}
