/**
 * A real HTTP server that speaks the OpenAI chat-completions protocol, with
 * replies scripted per image. Tests run it as a child process (see
 * chat-completions-server-process.ts) so that the real SDK, fetch and sockets
 * are exercised end to end.
 *
 * Run: `node --import tsx test/support/chat-completions-server.ts`. It listens
 * on 127.0.0.1, port 0, prints `{"port":N}` on stdout, and exits when stdin
 * closes (so it never outlives the test process) or on SIGTERM.
 *
 * Protocol endpoints: POST /v1/chat/completions and POST /chat/completions.
 * Control endpoints:
 *   POST /__control/script   { sha256, replies }   queue replies for that image
 *   POST /__control/default  { reply }             reply for unscripted images (null clears)
 *   POST /__control/reset                          forget scripts, default and requests
 *   GET  /__control/requests                       ReceivedRequest[] in arrival order
 * Scripted replies are served in order; the last one then repeats.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import { z } from "zod";

const baseReplySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("features"), features: z.unknown() }),
  z.object({ kind: z.literal("raw"), content: z.string() }),
  z.object({ kind: z.literal("refusal"), refusal: z.string() }),
  z.object({ kind: z.literal("truncated") }),
  z.object({ kind: z.literal("empty") }),
  z.object({ kind: z.literal("hangup") }),
  z.object({
    kind: z.literal("status"),
    status: z.number().int().min(400).max(599),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
]);
const replySchema = z.union([
  baseReplySchema,
  z.object({ kind: z.literal("delay"), ms: z.number().int().min(0), then: baseReplySchema }),
]);

/**
 * features: a chat.completion whose message.content is JSON.stringify(features).
 * raw: message.content is this exact string (invalid or schema-violating JSON).
 * refusal: message.refusal set, content null. truncated: finish_reason "length".
 * empty: a completion with no choices. hangup: the socket is destroyed.
 * status: an error status with an OpenAI-style error body unless `body` is given.
 * delay: wait `ms` before sending `then`.
 */
export type ScriptedReply = z.infer<typeof replySchema>;

/** What the server saw of one chat-completions request. Never the key itself. */
export interface ReceivedRequest {
  /** Server clock, epoch milliseconds, when the request body had arrived. */
  receivedAt: number;
  path: string;
  model: string | null;
  /** sha256 (hex) of the image bytes decoded from the data URL, if any. */
  imageSha256: string | null;
  imageMimeType: string | null;
  imageDetail: string | null;
  systemPrompt: string | null;
  /** The text parts of the user's message. */
  userText: string;
  responseFormat: { type: string; name: string | null; strict: boolean; schema: unknown } | null;
  hasAuthorization: boolean;
  /** The SDK's retry counter header, when the client sends one. */
  retryCount: string | null;
  /** Which reply kind was served (status replies as `status:429`). */
  served: string;
}

const scripts = new Map<string, ScriptedReply[]>();
let defaultReply: ScriptedReply | null = null;
let received: ReceivedRequest[] = [];

const chatRequestSchema = z.object({
  model: z.string().optional(),
  messages: z.array(z.object({ role: z.string(), content: z.unknown() })),
  response_format: z
    .object({
      type: z.string(),
      json_schema: z.object({ name: z.string(), strict: z.boolean().nullish(), schema: z.unknown() }).optional(),
    })
    .optional(),
});
type ChatRequest = z.infer<typeof chatRequestSchema>;

const imagePartSchema = z.object({
  type: z.literal("image_url"),
  image_url: z.object({ url: z.string(), detail: z.string().optional() }),
});

function findImage(request: ChatRequest): { sha256: string; mimeType: string; detail: string | null } | null {
  for (const message of request.messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) {
      const image = imagePartSchema.safeParse(part);
      if (!image.success) continue;
      const match = /^data:([^;,]+);base64,(.*)$/s.exec(image.data.image_url.url);
      if (!match?.[1] || match[2] === undefined) continue;
      const bytes = Buffer.from(match[2], "base64");
      return {
        sha256: createHash("sha256").update(bytes).digest("hex"),
        mimeType: match[1],
        detail: image.data.image_url.detail ?? null,
      };
    }
  }
  return null;
}

function systemPromptOf(request: ChatRequest): string | null {
  const system = request.messages.find((message) => message.role === "system");
  return typeof system?.content === "string" ? system.content : null;
}

function userTextOf(request: ChatRequest): string {
  const texts: string[] = [];
  for (const message of request.messages.filter((m) => m.role === "user")) {
    if (typeof message.content === "string") texts.push(message.content);
    else if (Array.isArray(message.content))
      for (const part of message.content) if (part?.type === "text" && typeof part.text === "string") texts.push(part.text);
  }
  return texts.join("\n");
}

/** Takes the next scripted reply for the image; the last one stays. */
function nextReply(sha256: string | null): ScriptedReply | null {
  const queue = sha256 ? scripts.get(sha256) : undefined;
  if (!queue?.length) return defaultReply;
  return queue.length > 1 ? (queue.shift() ?? null) : (queue[0] ?? null);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function errorBody(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

function completion(model: string | null, message: object, finishReason: string) {
  return {
    id: `chatcmpl-test-${received.length}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: model ?? "unknown",
    choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, logprobs: null, finish_reason: finishReason }],
    usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
  };
}

const STATUS_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_exceeded",
};

async function serve(reply: ScriptedReply, model: string | null, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  switch (reply.kind) {
    case "features":
      return sendJson(res, 200, completion(model, { content: JSON.stringify(reply.features) }, "stop"));
    case "raw":
      return sendJson(res, 200, completion(model, { content: reply.content }, "stop"));
    case "refusal":
      return sendJson(res, 200, completion(model, { content: null, refusal: reply.refusal }, "stop"));
    case "truncated":
      return sendJson(res, 200, completion(model, { content: '{"main_objects":[{"object_type":"cu' }, "length"));
    case "empty":
      return sendJson(res, 200, { ...completion(model, {}, "stop"), choices: [] });
    case "hangup":
      req.socket.destroy();
      return;
    case "status": {
      const type = STATUS_TYPES[reply.status] ?? "server_error";
      return sendJson(res, reply.status, reply.body ?? errorBody(`scripted status ${reply.status}`, type), reply.headers);
    }
    case "delay":
      await new Promise((resolve) => setTimeout(resolve, reply.ms));
      return serve(reply.then, model, req, res);
  }
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

async function handleChatCompletion(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  const parsed = chatRequestSchema.safeParse(await readBody(req));
  if (!parsed.success) return sendJson(res, 400, errorBody("not a chat-completions request", "invalid_request_error"));
  const request = parsed.data;
  const image = findImage(request);
  const reply = nextReply(image?.sha256 ?? null);
  const format = request.response_format;
  const retryCount = req.headers["x-stainless-retry-count"];
  received.push({
    receivedAt: Date.now(),
    path,
    model: request.model ?? null,
    imageSha256: image?.sha256 ?? null,
    imageMimeType: image?.mimeType ?? null,
    imageDetail: image?.detail ?? null,
    systemPrompt: systemPromptOf(request),
    userText: userTextOf(request),
    responseFormat: format
      ? {
          type: format.type,
          name: format.json_schema?.name ?? null,
          strict: format.json_schema?.strict === true,
          schema: format.json_schema?.schema ?? null,
        }
      : null,
    hasAuthorization: typeof req.headers.authorization === "string" && req.headers.authorization.length > 0,
    retryCount: typeof retryCount === "string" ? retryCount : null,
    served: !reply ? "unscripted" : reply.kind === "status" ? `status:${reply.status}` : reply.kind,
  });
  if (!reply) {
    return sendJson(res, 404, errorBody(`no reply scripted for image ${image?.sha256 ?? "(none)"}`, "not_found_error", "unscripted_image"));
  }
  await serve(reply, request.model ?? null, req, res);
}

const scriptBodySchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), replies: z.array(replySchema).min(1) });
const defaultBodySchema = z.object({ reply: replySchema.nullable() });

async function handleControl(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
  if (req.method === "GET" && path === "/__control/requests") return sendJson(res, 200, received);
  if (req.method !== "POST") return sendJson(res, 405, { error: "method not allowed" });
  const body = await readBody(req);
  switch (path) {
    case "/__control/script": {
      const parsed = scriptBodySchema.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { error: z.prettifyError(parsed.error) });
      scripts.set(parsed.data.sha256, [...parsed.data.replies]);
      return sendJson(res, 200, { ok: true });
    }
    case "/__control/default": {
      const parsed = defaultBodySchema.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { error: z.prettifyError(parsed.error) });
      defaultReply = parsed.data.reply;
      return sendJson(res, 200, { ok: true });
    }
    case "/__control/reset":
      scripts.clear();
      defaultReply = null;
      received = [];
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, { error: `unknown control endpoint ${path}` });
  }
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const handled =
    req.method === "POST" && (path === "/v1/chat/completions" || path === "/chat/completions")
      ? handleChatCompletion(req, res, path)
      : path.startsWith("/__control/")
        ? handleControl(req, res, path)
        : Promise.resolve(sendJson(res, 404, errorBody(`no route ${req.method} ${path}`, "not_found_error")));
  handled.catch((error: unknown) => {
    process.stderr.write(`chat-completions-server: ${String(error)}\n`);
    sendJson(res, 500, errorBody("test server failure", "server_error"));
  });
});

function shutdown(): void {
  server.closeAllConnections();
  server.close(() => process.exit(0));
}

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});
process.on("SIGTERM", shutdown);
process.stdin.on("end", shutdown);
process.stdin.resume();
