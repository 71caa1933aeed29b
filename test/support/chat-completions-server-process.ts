import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ReceivedRequest, ScriptedReply } from "./chat-completions-server.js";

export type { ReceivedRequest, ScriptedReply };

/**
 * A running chat-completions test server (a child process, real HTTP).
 *
 *   const llm = await startChatCompletionsServer();
 *   // OpenAI-compatible base URL: createOpenAiTagger({ baseUrl: llm.baseUrl, ... })
 *   await llm.script(sha256OfImageBytes, [{ kind: "status", status: 429, headers: { "retry-after": "1" } },
 *                                         { kind: "features", features }]);
 *   await llm.setDefault({ kind: "features", features }); // for images nobody scripted
 *   const seen = await llm.requests();                     // what the server received, in order
 *   await llm.reset();                                     // between tests
 *   await llm.stop();                                      // in afterAll
 *
 * Replies for an image are served in order and the last one repeats; an image
 * with no script gets the default reply, or a 404 error when there is none.
 * Reply kinds are documented on ScriptedReply in chat-completions-server.ts.
 */
export interface ChatCompletionsServer {
  /** Ends in /v1, as the OpenAI SDK's baseURL expects. */
  baseUrl: string;
  script(sha256: string, replies: ScriptedReply[]): Promise<void>;
  setDefault(reply: ScriptedReply | null): Promise<void>;
  requests(): Promise<ReceivedRequest[]>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const SERVER_ENTRY = fileURLToPath(new URL("./chat-completions-server.ts", import.meta.url));
// The repository root, so that `--import tsx` resolves from its node_modules.
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_TIMEOUT_MS = 15_000;

export async function startChatCompletionsServer(): Promise<ChatCompletionsServer> {
  // stdin stays an open pipe: the server exits when it closes, so it cannot outlive us.
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_ENTRY], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await readPort(child.stdout, exited).catch((error: unknown) => {
    child.kill();
    throw error;
  });
  const origin = `http://127.0.0.1:${port}`;

  const control = async (method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${origin}/__control/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload: unknown = await response.json();
    if (!response.ok) throw new Error(`chat-completions server ${path}: ${response.status} ${JSON.stringify(payload)}`);
    return payload;
  };

  return {
    baseUrl: `${origin}/v1`,
    script: async (sha256, replies) => void (await control("POST", "script", { sha256, replies })),
    setDefault: async (reply) => void (await control("POST", "default", { reply })),
    requests: async () => (await control("GET", "requests")) as ReceivedRequest[],
    reset: async () => void (await control("POST", "reset", {})),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        child.kill("SIGTERM");
      }
      await exited;
    },
  };
}

async function readPort(stdout: NodeJS.ReadableStream, exited: Promise<void>): Promise<number> {
  const lines = createInterface({ input: stdout });
  let timer: NodeJS.Timeout | undefined;
  const firstPortLine = (async () => {
    for await (const line of lines) {
      const port = parsePortLine(line);
      if (port !== null) return port;
    }
    throw new Error("chat-completions server closed its stdout before printing a port");
  })();
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("chat-completions server did not start in time")), START_TIMEOUT_MS);
    void exited.then(() => reject(new Error("chat-completions server exited before printing a port")));
  });
  try {
    return await Promise.race([firstPortLine, failed]);
  } finally {
    clearTimeout(timer);
    lines.close();
  }
}

function parsePortLine(line: string): number | null {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && "port" in value && typeof value.port === "number") return value.port;
  } catch {
    // Not the port line; the server prints nothing else, but be lenient.
  }
  return null;
}
