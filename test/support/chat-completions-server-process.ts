import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ReceivedRequest, ScriptedReply } from "./chat-completions-server.js";
import { readAnnouncedPort } from "./child-port.js";

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

export async function startChatCompletionsServer(): Promise<ChatCompletionsServer> {
  // stdin stays an open pipe: the server exits when it closes, so it cannot outlive us.
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_ENTRY], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await readAnnouncedPort(child.stdout, exited, "chat-completions server").catch((error: unknown) => {
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
