import OpenAI from "openai";
import type { ChatCompletion } from "openai/resources/chat/completions";
import { TaggerUnavailableError } from "../errors.js";
import type { ImageFeatures } from "../features.js";
import type { AnalyzeOptions, ImageInput, Tagger, TaggerHealth } from "../tagger.js";
import { buildChatRequest, type ImageDetail } from "./chat-request.js";
import { featuresFromCompletion } from "./features-reply.js";
import { withRetries, type RetryPolicy } from "./retry.js";
import { classifyUpstreamFailure, retryDecisionFor, toTaggerError } from "./upstream-failure.js";

/** The slice of a pino logger the tagger uses. */
export interface OpenAiTaggerLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface OpenAiTaggerOptions {
  /** May be absent for a self-hosted server, when baseUrl is set. */
  apiKey?: string | undefined;
  /** Any OpenAI-compatible endpoint, for example http://localhost:8000/v1. */
  baseUrl?: string | undefined;
  model: string;
  /** Per attempt, not for the whole analysis. */
  timeoutMs: number;
  maxRetries: number;
  imageDetail: ImageDetail;
  logger?: OpenAiTaggerLogger | undefined;
  /** First backoff wait before it doubles; tests make it short. */
  retryBaseDelayMs?: number | undefined;
}

const TAGGER_NAME = "openai";
const DEFAULT_RETRY_BASE_DELAY_MS = 500;
const MAX_SINGLE_WAIT_MS = 30_000;
// The SDK refuses to start without a key; a self-hosted server often needs none.
const NO_KEY_PLACEHOLDER = "no-key";

export function createOpenAiTagger(options: OpenAiTaggerOptions): Tagger {
  const client = createClient(options);
  const { model, logger } = options;
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries,
    baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
    maxDelayMs: MAX_SINGLE_WAIT_MS,
  };

  async function requestCompletion(image: ImageInput, analyzeOptions: AnalyzeOptions): Promise<ChatCompletion> {
    const { signal, expertFindings } = analyzeOptions;
    const bytes = Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength);
    const dataUrl = `data:${image.mimeType};base64,${bytes.toString("base64")}`;
    const request = buildChatRequest(model, dataUrl, options.imageDetail, expertFindings);
    let attempts = 0;
    try {
      // Our own retry loop rather than the SDK's: we can log each retry, cap the
      // wait at 30 s, and test the attempt count and waits exactly.
      return await withRetries(
        () => {
          attempts++;
          return client.chat.completions.create(request, { signal, timeout: options.timeoutMs });
        },
        policy,
        {
          decide: retryDecisionFor,
          signal,
          onRetry: ({ retry, waitMs, error }) =>
            logger?.warn(
              { tagger: TAGGER_NAME, model, sha256: image.sha256, retry, waitMs, failure: classifyUpstreamFailure(error) },
              "tagging request failed, retrying",
            ),
        },
      );
    } catch (error) {
      throw toTaggerError(error, attempts);
    }
  }

  return {
    name: TAGGER_NAME,
    configured: true,
    steps: ["llm"],
    async analyze(image: ImageInput, analyzeOptions: AnalyzeOptions = {}): Promise<ImageFeatures> {
      const started = Date.now();
      const completion = await requestCompletion(image, analyzeOptions);
      const features = featuresFromCompletion(completion);
      logger?.debug(
        { tagger: TAGGER_NAME, model, sha256: image.sha256, ms: Date.now() - started, objects: features.main_objects.length, usage: completion.usage },
        "image tagged",
      );
      analyzeOptions.onStep?.("llm");
      return features;
    },
    health(): TaggerHealth {
      return { name: TAGGER_NAME, ready: true, detail: model };
    },
    async close(): Promise<void> {},
  };
}

function createClient(options: OpenAiTaggerOptions): OpenAI {
  if (!options.apiKey && !options.baseUrl) {
    throw new TaggerUnavailableError("The OpenAI tagger needs an API key or a base URL");
  }
  return new OpenAI({
    apiKey: options.apiKey || NO_KEY_PLACEHOLDER,
    // null, not undefined: the SDK would read OPENAI_BASE_URL itself; config.ts already did.
    baseURL: options.baseUrl ?? null,
    adminAPIKey: null,
    // Without a key, send no Authorization header at all rather than the placeholder.
    defaultHeaders: options.apiKey ? undefined : { Authorization: null },
    timeout: options.timeoutMs,
    maxRetries: 0,
    // The SDK's debug log (OPENAI_LOG=debug) would print request bodies, i.e. image bytes.
    logLevel: "off",
  });
}
