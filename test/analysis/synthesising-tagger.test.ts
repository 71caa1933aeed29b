import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnalysers } from "../../src/analysis/create-tagger.js";
import type { Tagger } from "../../src/analysis/tagger.js";
import { loadConfig } from "../../src/config.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256 } from "../support/images.js";

/** TAGGER=openai+local: the LLM synthesises over the local panel's findings, and the panel stands in when it fails. */

let llm: ChatCompletionsServer;
let tagger: Tagger;
const image = { bytes: readFileSync("test/fixtures/coffee.png"), mimeType: "image/png", width: 600, height: 400, sha256: "" };

beforeAll(async () => {
  image.sha256 = sha256(image.bytes);
  llm = await startChatCompletionsServer();
  const config = loadConfig({ TAGGER: "openai+local", OPENAI_BASE_URL: llm.baseUrl, OPENAI_MAX_RETRIES: "0", LOCAL_TAGGER_OCR: "false" });
  tagger = createAnalysers(config.tagger, config.media.maxImagePixels, pino({ level: "silent" })).tagger;
});

afterAll(async () => {
  await tagger?.close();
  await llm?.stop();
});

describe("the synthesising tagger", () => {
  it("sends the photo and the experts' findings to the LLM, and returns the LLM's features", async () => {
    const synthesised = features({ mug: ["red"] }, ["cozy"]);
    await llm.script(image.sha256, [{ kind: "features", features: synthesised }]);
    const steps: string[] = [];
    const result = await tagger.analyze(image, { onStep: (step) => steps.push(step), onFallback: () => steps.push("fallback") });
    expect(result.main_objects[0]!.object_type).toBe("mug");
    expect(steps).toEqual(["detector", "colour", "llm"]);
    expect(tagger.steps).toEqual(["detector", "colour", "llm"]);
    const [request] = await llm.requests();
    expect(request!.userText).toMatch(/Local expert analysers/);
    expect(request!.userText).toContain('"object_type":"cup"'); // the detector's finding, passed on
    // The LLM gave no caption: the panel's stands.
    expect(result.caption).toMatch(/^An? .*cup/);
  });

  it("keeps the LLM's caption when it gives one", async () => {
    await llm.reset();
    const caption = "A red mug of black coffee on a saucer.";
    await llm.script(image.sha256, [{ kind: "features", features: features({ mug: ["red"] }, [], caption) }]);
    const result = await tagger.analyze(image);
    expect(result.caption).toBe(caption);
  });

  it("falls back to the panel's own fusion when the LLM fails, and says so", async () => {
    await llm.reset();
    await llm.script(image.sha256, [{ kind: "status", status: 500 }]);
    let fallback = "";
    const result = await tagger.analyze(image, { onFallback: (reason) => (fallback = reason) });
    expect(result.main_objects.map((object) => object.object_type)).toContain("cup");
    expect(result.main_objects[0]!.source).toBe("detector");
    expect(fallback).not.toBe("");
  });
});
