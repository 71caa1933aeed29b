import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  TaggerInvalidResponseError,
  TaggerRateLimitedError,
  TaggerRefusalError,
  TaggerRequestRejectedError,
  TaggerTimeoutError,
  TaggerUnavailableError,
  TaggerUpstreamError,
} from "../../src/analysis/errors.js";
import type { ImageFeatures } from "../../src/analysis/features.js";
import { createOpenAiTagger, type OpenAiTaggerOptions } from "../../src/analysis/openai/openai-tagger.js";
import { retryAfterFromHeaders, retryWaitMs } from "../../src/analysis/openai/retry.js";
import { tagEvidence } from "../../src/analysis/tags.js";
import type { ImageInput } from "../../src/analysis/tagger.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { COFFEE_FEATURES } from "../support/images.js";

const COFFEE_PATH = fileURLToPath(new URL("../fixtures/coffee.png", import.meta.url));


let llm: ChatCompletionsServer;
let coffee: ImageInput;
let coffeeBytes: Buffer;

function tagger(overrides: Partial<OpenAiTaggerOptions> = {}) {
  return createOpenAiTagger({
    apiKey: "sk-test-secret",
    baseUrl: llm.baseUrl,
    model: "gpt-test-vision",
    timeoutMs: 2_000,
    maxRetries: 2,
    imageDetail: "low",
    retryBaseDelayMs: 20,
    ...overrides,
  });
}

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  coffeeBytes = await readFile(COFFEE_PATH);
  coffee = {
    bytes: coffeeBytes,
    mimeType: "image/png",
    width: 400,
    height: 400,
    sha256: createHash("sha256").update(coffeeBytes).digest("hex"),
  };
});

afterAll(async () => {
  await llm?.stop();
});

beforeEach(async () => {
  await llm.reset();
});

describe("OpenAI tagger against a chat-completions server", () => {
  it("sends the image, model and strict schema, and returns the validated features", async () => {
    await llm.script(coffee.sha256, [{ kind: "features", features: COFFEE_FEATURES }]);
    const steps: string[] = [];

    const features = await tagger({ imageDetail: "high" }).analyze(coffee, { onStep: (step) => steps.push(step) });

    // A null source is filled in: the tag did come from the LLM.
    const material = { kind: "material", value: "ceramic", confidence: 0.7, source: "llm" };
    expect(features.main_objects[0]?.attributes[1]).toEqual(material);
    expect(features.main_objects[0]?.object_type).toBe("cup");
    expect(features.overall_style).toEqual(COFFEE_FEATURES.overall_style);
    expect(features.caption).toBe(COFFEE_FEATURES.caption);
    expect(steps).toEqual(["llm"]);

    const [request, ...others] = await llm.requests();
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({
      path: "/v1/chat/completions",
      model: "gpt-test-vision",
      imageSha256: coffee.sha256,
      imageMimeType: "image/png",
      imageDetail: "high",
      hasAuthorization: true,
      served: "features",
    });
    expect(request?.systemPrompt).toContain("singular");
    expect(request?.responseFormat).toMatchObject({ type: "json_schema", name: "image_features", strict: true });
    expect(request?.responseFormat?.schema).toMatchObject({
      type: "object",
      additionalProperties: false,
      required: ["main_objects", "overall_style", "caption"],
    });
    expect(request?.systemPrompt).toContain("caption");
  });

  it("takes a reply without a caption (self-hosted models may leave it out) as no caption", async () => {
    const { caption: _left, ...withoutCaption } = COFFEE_FEATURES;
    await llm.script(coffee.sha256, [{ kind: "features", features: withoutCaption }]);

    const features = await tagger().analyze(coffee);

    expect(features.caption).toBeNull();
    expect(features.main_objects[0]?.object_type).toBe("cup");
  });

  it("reads a reply in the seed shape (models that do not enforce the schema) into features with tags", async () => {
    // Attribute and style words, no confidence, source, box or caption: what self-hosted models send.
    const seed = { main_objects: [{ object_type: "mug", attributes: ["red", "ceramic", "striped"] }], overall_style: ["minimalist"] };
    await llm.script(coffee.sha256, [{ kind: "features", features: seed }]);

    const features = await tagger().analyze(coffee);

    expect(features.main_objects).toEqual([
      {
        object_type: "mug",
        confidence: null,
        source: "llm",
        box: null,
        attributes: [
          { kind: "color", value: "red", confidence: null, source: "llm" },
          { kind: "material", value: "ceramic", confidence: null, source: "llm" },
          { kind: "pattern", value: "striped", confidence: null, source: "llm" },
        ],
      },
    ]);
    expect(features.overall_style).toEqual([{ value: "minimalist", confidence: null, source: "llm" }]);
    expect(features.caption).toBeNull();
    expect(tagEvidence(features)).toEqual([
      { tag: "color:red", confidence: 1 },
      { tag: "material:ceramic", confidence: 1 },
      { tag: "object:cup", confidence: 1 },
      { tag: "pattern:striped", confidence: 1 },
      { tag: "style:minimalist", confidence: 1 },
    ]);
    // We still asked for the strict schema.
    const [request] = await llm.requests();
    expect(request?.responseFormat).toMatchObject({ type: "json_schema", name: "image_features", strict: true });
  });

  it("rejects a caption longer than the schema allows", async () => {
    await llm.script(coffee.sha256, [{ kind: "features", features: { ...COFFEE_FEATURES, caption: "a".repeat(301) } }]);

    const error = await tagger().analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerInvalidResponseError);
    expect((error as TaggerInvalidResponseError).details).toEqual({ path: "caption" });
  });

  it("needs no API key when a base URL is set, and then sends no Authorization", async () => {
    await llm.setDefault({ kind: "features", features: COFFEE_FEATURES });

    const features = await tagger({ apiKey: undefined }).analyze(coffee);

    expect(features.main_objects.map((object) => object.object_type)).toEqual(["cup"]);
    const [request] = await llm.requests();
    expect(request?.hasAuthorization).toBe(false);
  });

  it("refuses to start with neither an API key nor a base URL", () => {
    expect(() => tagger({ apiKey: undefined, baseUrl: undefined })).toThrow(TaggerUnavailableError);
  });

  it("reports its health", () => {
    expect(tagger().health()).toEqual({ name: "openai", ready: true, detail: "gpt-test-vision" });
  });

  it("rejects a reply that is not JSON, without retrying", async () => {
    await llm.script(coffee.sha256, [{ kind: "raw", content: "a red cup on a saucer" }]);

    const error = await tagger().analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerInvalidResponseError);
    expect((error as Error).message).toMatch(/not valid JSON/);
    expect(await llm.requests()).toHaveLength(1);
  });

  it("rejects JSON that breaks the ImageFeatures schema and names where", async () => {
    const broken = { main_objects: [{ ...COFFEE_FEATURES.main_objects[0], confidence: 7 }], overall_style: [] };
    await llm.script(coffee.sha256, [{ kind: "raw", content: JSON.stringify(broken) }]);

    const error = await tagger().analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerInvalidResponseError);
    expect((error as TaggerInvalidResponseError).details).toEqual({ path: "main_objects.0.confidence" });
  });

  it("turns a refusal into TaggerRefusalError", async () => {
    await llm.script(coffee.sha256, [{ kind: "refusal", refusal: "I can't help with that." }]);

    const error = await tagger().analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerRefusalError);
    expect((error as TaggerRefusalError).details).toEqual({ refusal: "I can't help with that." });
  });

  it("rejects a reply cut off at the length limit", async () => {
    await llm.script(coffee.sha256, [{ kind: "truncated" }]);

    const error = await tagger().analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerInvalidResponseError);
    expect((error as Error).message).toMatch(/cut off/);
  });

  it("rejects a reply without choices", async () => {
    await llm.script(coffee.sha256, [{ kind: "empty" }]);

    await expect(tagger().analyze(coffee)).rejects.toBeInstanceOf(TaggerInvalidResponseError);
  });

  it("waits as long as Retry-After asks after a 429, then succeeds", async () => {
    await llm.script(coffee.sha256, [
      { kind: "status", status: 429, headers: { "retry-after": "1" } },
      { kind: "features", features: COFFEE_FEATURES },
    ]);

    const features = await tagger({ retryBaseDelayMs: 10 }).analyze(coffee);

    expect(features.main_objects).toHaveLength(1);
    const requests = await llm.requests();
    expect(requests.map((request) => request.served)).toEqual(["status:429", "features"]);
    const waited = requests[1]!.receivedAt - requests[0]!.receivedAt;
    expect(waited).toBeGreaterThanOrEqual(900);
  });

  it("retries after a 500, then succeeds", async () => {
    await llm.script(coffee.sha256, [
      { kind: "status", status: 500 },
      { kind: "features", features: COFFEE_FEATURES },
    ]);

    const features = await tagger().analyze(coffee);

    expect(features.main_objects[0]?.object_type).toBe("cup");
    expect((await llm.requests()).map((request) => request.served)).toEqual(["status:500", "features"]);
  });

  it("gives up on a lasting 503 after maxRetries + 1 attempts", async () => {
    await llm.script(coffee.sha256, [{ kind: "status", status: 503 }]);

    const error = await tagger({ maxRetries: 2 }).analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerUpstreamError);
    expect((error as TaggerUpstreamError).details).toMatchObject({ attempts: 3, status: 503 });
    expect(await llm.requests()).toHaveLength(3);
  });

  it("gives up on a lasting 429 with TaggerRateLimitedError, honouring retry-after-ms", async () => {
    await llm.script(coffee.sha256, [{ kind: "status", status: 429, headers: { "retry-after-ms": "150" } }]);

    const error = await tagger({ maxRetries: 1, retryBaseDelayMs: 1 }).analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerRateLimitedError);
    const requests = await llm.requests();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(130);
  });

  it("times out a slow attempt with TaggerTimeoutError", async () => {
    await llm.script(coffee.sha256, [{ kind: "delay", ms: 3_000, then: { kind: "features", features: COFFEE_FEATURES } }]);

    const error = await tagger({ timeoutMs: 300, maxRetries: 1 }).analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerTimeoutError);
    expect((error as TaggerTimeoutError).details).toMatchObject({ attempts: 2 });
    expect(await llm.requests()).toHaveLength(2);
  });

  it("does not retry a 401 and reports TaggerRequestRejectedError", async () => {
    await llm.script(coffee.sha256, [{ kind: "status", status: 401 }]);

    const error = await tagger().analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerRequestRejectedError);
    expect((error as TaggerRequestRejectedError).details).toMatchObject({ status: 401, attempts: 1 });
    expect(await llm.requests()).toHaveLength(1);
  });

  it("reports a dropped connection as TaggerUpstreamError after retrying", async () => {
    await llm.script(coffee.sha256, [{ kind: "hangup" }]);

    const error = await tagger({ maxRetries: 1 }).analyze(coffee).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TaggerUpstreamError);
    expect((error as TaggerUpstreamError).details).toEqual({ attempts: 2 });
    expect(await llm.requests()).toHaveLength(2);
  });

  it("stops at once when the caller aborts, with the signal's reason", async () => {
    await llm.script(coffee.sha256, [{ kind: "delay", ms: 3_000, then: { kind: "features", features: COFFEE_FEATURES } }]);
    const controller = new AbortController();
    const reason = new Error("the user went away");
    setTimeout(() => controller.abort(reason), 150);

    const error = await tagger().analyze(coffee, { signal: controller.signal }).catch((caught: unknown) => caught);

    expect(error).toBe(reason);
    expect(await llm.requests()).toHaveLength(1);
  });

  it("stops waiting between retries when the caller aborts", async () => {
    await llm.script(coffee.sha256, [{ kind: "status", status: 429, headers: { "retry-after": "20" } }]);
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 200);

    const error = await tagger().analyze(coffee, { signal: controller.signal }).catch((caught: unknown) => caught);

    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await llm.requests()).toHaveLength(1);
  });
});

describe("retry waits", () => {
  const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 30_000 };

  it("reads retry-after-ms, Retry-After in seconds and as an HTTP date", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterFromHeaders(new Headers({ "retry-after-ms": "250" }), now)).toBe(250);
    expect(retryAfterFromHeaders(new Headers({ "retry-after": "2" }), now)).toBe(2_000);
    expect(retryAfterFromHeaders(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" }), now)).toBe(5_000);
    expect(retryAfterFromHeaders(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterFromHeaders(new Headers(), now)).toBeUndefined();
  });

  it("caps a wait at 30 s and backs off exponentially with jitter otherwise", () => {
    expect(retryWaitMs(1, policy, 120_000)).toBe(30_000);
    expect(retryWaitMs(1, policy, 1_000)).toBe(1_000);
    const third = retryWaitMs(3, policy);
    expect(third).toBeGreaterThanOrEqual(300);
    expect(third).toBeLessThanOrEqual(400);
    expect(retryWaitMs(20, policy)).toBeLessThanOrEqual(30_000);
  });
});
