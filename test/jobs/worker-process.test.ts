import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppProcess } from "../support/app-process.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { waitForAnalysis } from "../support/products.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The scale-out shape: an API process that runs no jobs, and `npm run worker` beside it. */

let llm: ChatCompletionsServer;
let api: TestApp;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, RUN_WORKER: "false" });
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

describe("npm run worker", () => {
  it("runs the analyses an API process without workers has queued", async () => {
    const bytes = await solidPng(9, 99, 199);
    await llm.script(sha256(bytes), [{ kind: "features", features: features({ bottle: ["green"] }) }]);
    const response = await api.client.upload(
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/w", image: $image) { id } }`,
      { image: null },
      [{ variable: "variables.image", bytes, filename: "w.png" }],
    );
    const id = response.data!.addProduct.id as string;
    const pending = await api.client.query(`query ($id: ID!) { product(id: $id) { analysis { status } } }`, { id });
    expect(pending.data!.product.analysis.status).toBe("PENDING");

    const worker = await startAppProcess(
      { DATABASE_URL: api.databaseUrl, UPLOADS_DIR: api.uploadsDir, TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, WORKER_CONCURRENCY: "3" },
      "src/worker.ts",
    );
    try {
      expect(await waitForAnalysis(api.client, id, 30_000)).toMatchObject({ tags: ["color:green", "object:bottle"], analysis: { status: "READY" } });
    } finally {
      await worker.kill();
    }
  });
});
