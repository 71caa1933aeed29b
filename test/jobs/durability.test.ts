import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { startAppProcess } from "../support/app-process.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { freePort } from "../support/free-port.js";
import { GraphQLClient } from "../support/graphql-client.js";
import { features, sha256, solidPng } from "../support/images.js";
import { waitForAnalysis } from "../support/products.js";
import { subscribe, subscriptionsClient } from "../support/subscriptions.js";
import { createTestDatabase } from "../support/test-database.js";
import { startTestApp, startTestAppOn } from "../support/test-app.js";

const ADD_PRODUCT = /* GraphQL */ `
  mutation ($sourceUrl: String!, $image: Upload!) { addProduct(sourceUrl: $sourceUrl, image: $image) { id } }`;

let llm: ChatCompletionsServer;
let counter = 0;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
});

afterAll(async () => {
  await llm?.stop();
});

async function upload(client: GraphQLClient, reply: object) {
  counter += 1;
  const bytes = await solidPng(counter * 13, 7, 200);
  await llm.script(sha256(bytes), [reply as never]);
  const response = await client.upload(ADD_PRODUCT, { sourceUrl: `https://shop.example/d/${counter}`, image: null }, [
    { variable: "variables.image", bytes, filename: "p.png" },
  ]);
  expect(response.errors).toBeUndefined();
  return { id: response.data!.addProduct.id as string, sha: sha256(bytes) };
}

async function untilLlmSaw(sha: string) {
  for (let waited = 0; waited < 20_000; waited += 50) {
    if ((await llm.requests()).some((request) => request.imageSha256 === sha)) return;
    await sleep(50);
  }
  throw new Error("the analysis never reached the LLM");
}

describe("analysis jobs are durable", () => {
  it("a process killed with SIGKILL mid-analysis loses nothing: after a restart the product reaches READY", async () => {
    const database = await createTestDatabase();
    const uploadsDir = await mkdtemp(path.join(tmpdir(), "lookalike-crash-"));
    const env = {
      DATABASE_URL: database.url,
      UPLOADS_DIR: uploadsDir,
      TAGGER: "openai",
      OPENAI_BASE_URL: llm.baseUrl,
      ANALYSIS_JOB_EXPIRE_SECONDS: "2",
      JOB_MAINTENANCE_SECONDS: "1",
    };
    try {
      const first = await startAppProcess(env);
      const { id, sha } = await upload(new GraphQLClient(`${first.url}/graphql`), { kind: "delay", ms: 60_000, then: { kind: "features", features: features({ cup: [] }) } });
      await untilLlmSaw(sha);
      await first.kill();

      await llm.script(sha, [{ kind: "features", features: features({ teapot: ["white"] }) }]);
      const second = await startAppProcess(env);
      try {
        const done = await waitForAnalysis(new GraphQLClient(`${second.url}/graphql`), id, 45_000);
        expect(done).toMatchObject({ tags: ["color:white", "object:teapot"], analysis: { status: "READY", attempts: 2 } });
      } finally {
        await second.kill();
      }
    } finally {
      await database.drop();
      await rm(uploadsDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("a graceful stop finishes the analysis in flight before closing", async () => {
    const api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
    const { id, sha } = await upload(api.client, { kind: "delay", ms: 1_500, then: { kind: "features", features: features({ clock: [] }) } });
    await untilLlmSaw(sha);
    const database = api.databaseUrl;
    await api.app.stop(); // not api.stop(): the database must outlive the app for the check
    const second = await startTestAppOn(database, database, { TAGGER: "none" });
    try {
      const [row] = await second.sql<{ status: string; tags: string[] }>(
        "select a.status, p.tags from analysis a join product p on p.id = a.product_id where p.id = $1",
        [id],
      );
      expect(row).toEqual({ status: "READY", tags: ["object:clock"] });
    } finally {
      await second.stop();
      await rm(api.uploadsDir, { recursive: true, force: true }); // api.stop() is not called: its app is stopped above
    }
  });
});

describe("a database restart while idle", () => {
  it("is survived: queries, jobs and subscriptions work again without restarting the app", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "lookalike-restart-"));
    await chmod(root, 0o755);
    const options = { dataDir: path.join(root, "data"), port: await freePort(), database: "lookalike", log: () => {} };
    let postgres = await startEmbeddedPostgres(options);
    const api = await startTestAppOn(postgres.url, postgres.url, { TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl });
    const ws = subscriptionsClient(api.app.url);
    try {
      const before = await upload(api.client, { kind: "features", features: features({ chair: [] }) });
      expect((await waitForAnalysis(api.client, before.id)).analysis.status).toBe("READY");

      await postgres.stop();
      postgres = await startEmbeddedPostgres(options);

      let products: unknown;
      for (let waited = 0; waited < 15_000 && !products; waited += 250) {
        products = (await api.client.query(`{ products(first: 5) { edges { node { id } } } }`)).data?.products;
        if (!products) await sleep(250);
      }
      expect(products).toBeTruthy();
      await sleep(6_000); // the event bus reconnects with a backoff of up to 5 s
      const added = subscribe<{ productAdded: { id: string } }>(ws, `subscription { productAdded { id } }`);
      await sleep(500);
      const after = await upload(api.client, { kind: "features", features: features({ table: [] }) });
      expect((await waitForAnalysis(api.client, after.id, 30_000)).analysis.status).toBe("READY");
      await added.until((data) => data.productAdded.id === after.id, 10_000);
    } finally {
      await ws.dispose();
      await api.stop();
      await postgres.stop();
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
