import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features } from "../support/images.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const run = promisify(execFile);
let llm: ChatCompletionsServer;
let api: TestApp;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
  await llm.setDefault({ kind: "features", features: features({ cup: ["red", "white"] }) });
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

const runExample = () => run("npm", ["run", "--silent", "example"], { env: { ...process.env, LOOKALIKE_URL: `${api.app.url}/graphql` }, timeout: 60_000 });
let addedId: string | undefined;

describe("npm run example", () => {
  it("uploads the fixture with the SDK, waits for its tags and prints the similar products", async () => {
    const { stdout } = await runExample();
    const id = (addedId = /^Added product (\S+) \(https:\/\/shop\.example\/sdk-example\/\d+\)$/m.exec(stdout)?.[1]);
    expect(id, stdout).toBeDefined();
    expect(stdout).toMatch(/^Tags: color:red, color:white, object:cup$/m);
    expect(stdout).toMatch(/^Similar products \(query tags: color:red, color:white, object:cup\):$/m);
    // The photo it just added is the best match for itself.
    expect(stdout).toMatch(new RegExp(`^1\\. ${id} https://shop\\.example/sdk-example/\\d+ score (0\\.\\d\\d|1\\.00) \\[color:red, color:white, object:cup\\]$`, "m"));
  });

  it("run again, finds its photo already stored (DUPLICATE_IMAGE) and goes on with that product", async () => {
    const { stdout } = await runExample();
    expect(stdout).toContain(`Already in the catalogue as product ${addedId}\n`);
    expect(stdout).toMatch(/^Tags: color:red, color:white, object:cup$/m);
  });
});
