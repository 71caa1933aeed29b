import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { zodResponseFormat } from "openai/helpers/zod";
import { ATTRIBUTE_KINDS, imageFeaturesSchema, type ImageFeatures } from "../features.js";

export type ImageDetail = "low" | "high" | "auto";

/** The strict JSON Schema sent to the model, derived from the one ImageFeatures schema. */
export const imageFeaturesResponseFormat = zodResponseFormat(imageFeaturesSchema, "image_features");

export const SYSTEM_PROMPT = [
  "You tag product photos for a visual search engine. Describe only what is visible.",
  "main_objects: the salient objects, most prominent first. object_type is a common noun, singular, lower case (cup, sofa, sneaker); never a brand or a colour.",
  `attributes: facts about one object. kind is one of ${ATTRIBUTE_KINDS.join(", ")}. value is short and lower case (red, wood, striped). Use text for legible words printed on the object, brand only for a brand you recognise.`,
  "overall_style: a few words for the style of the whole photo (minimalist, vintage, colorful).",
  "caption: one plain sentence (at most 300 characters) describing the product photo, with its main objects, colours, legible text and style; null only when nothing is recognisable.",
  'confidence: from 0 to 1 when you can judge it, else null. source: always "llm". box: where the object is, in fractions of the image size, or null when unsure.',
  "Answer with JSON that matches the schema, nothing else.",
].join("\n");

const EXPERTS_PREAMBLE =
  "Local expert analysers (an object detector, a colour analyst and a text reader) found the JSON below. " +
  "They can be wrong or incomplete: keep what the photo confirms, correct what it contradicts, add what they missed.";

export function buildChatRequest(
  model: string,
  imageDataUrl: string,
  detail: ImageDetail,
  expertFindings?: ImageFeatures,
): ChatCompletionCreateParamsNonStreaming {
  const instruction = expertFindings
    ? `${EXPERTS_PREAMBLE}\n${JSON.stringify(expertFindings)}\nTag this product photo.`
    : "Tag this product photo.";
  return {
    model,
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      {
        role: "user",
        content: [
          { type: "text", text: instruction },
          { type: "image_url", image_url: { url: imageDataUrl, detail } },
        ],
      },
    ],
    response_format: imageFeaturesResponseFormat,
  };
}
