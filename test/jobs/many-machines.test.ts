import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppProcess } from "../support/app-process.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { GraphQLClient } from "../support/graphql-client.js";
import { features, sha256, solidPng } from "../support/images.js";
import { sample } from "../support/metrics.js";
import { s3StorageEnv, startS3Server, type S3Server } from "../support/s3-server.js";
import { subscribe, subscriptionsClient } from "../support/subscriptions.js";
import { createTestDatabase } from "../support/test-database.js";

/**
 * The multi-machine shape, as processes that share nothing but PostgreSQL and
 * an S3-compatible server: two API processes and two workers, each with its
 * own empty local folder. A photo uploaded through one API is analysed by a
 * worker, watched and served through the other; a worker killed while it
 * holds the job is replaced by the other one.
 */

type Process = Awaited<ReturnType<typeof startAppProcess>>;

const BUCKET = "photos";
let database: { url: string; drop(): Promise<void> };
let s3: S3Server;
let llm: ChatCompletionsServer;
const folders: string[] = [];
let apis: Process[] = [];
let workers: Process[] = [];

async function ownFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "lookalike-machine-"));
  folders.push(folder);
  return folder;
}

beforeAll(async () => {
  [database, s3, llm] = await Promise.all([createTestDatabase(), startS3Server({ buckets: [BUCKET] }), startChatCompletionsServer()]);
  const shared = {
    DATABASE_URL: database.url,
    ...s3StorageEnv(s3, BUCKET, "shop/"),
    TAGGER: "openai",
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_MAX_RETRIES: "0",
    // Tags only: four processes loading the local embedding model would only slow the test down.
    VISUAL_SEARCH: "false",
    LOCAL_TAGGER_PRELOAD: "false",
    // A job whose worker died is handed to another once it expires.
    ANALYSIS_JOB_EXPIRE_SECONDS: "15",
    ANALYSIS_RETRY_DELAY_SECONDS: "1",
    JOB_MAINTENANCE_SECONDS: "1",
  };
  // The migrations run once, in the first process; the others find them applied.
  apis.push(await startAppProcess({ ...shared, UPLOADS_DIR: await ownFolder(), RUN_WORKER: "false" }));
  const rest = await Promise.all([
    startAppProcess({ ...shared, UPLOADS_DIR: await ownFolder(), RUN_WORKER: "false" }),
    startAppProcess({ ...shared, UPLOADS_DIR: await ownFolder(), WORKER_METRICS_PORT: "0" }, "src/worker.ts"),
    startAppProcess({ ...shared, UPLOADS_DIR: await ownFolder(), WORKER_METRICS_PORT: "0" }, "src/worker.ts"),
  ]);
  apis.push(rest[0]);
  workers = rest.slice(1);
}, 120_000);

afterAll(async () => {
  await Promise.all([...apis, ...workers].map((process) => process.kill()));
  await Promise.all([s3?.stop(), llm?.stop(), database?.drop()]);
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** The worker running the analysis: the one whose own metrics saw it reach DECODED (the queue's counts are global). */
async function workerHoldingTheJob(): Promise<Process> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
    for (const worker of workers) {
      const text = await (await fetch(worker.metricsUrl)).text();
      if (sample(text, "lookalike_analysis_stage_duration_seconds_count", { stage: "DECODED" }) === 1) return worker;
    }
  }
  throw new Error("no worker took the job");
}

describe("two API processes and two workers, sharing only PostgreSQL and object storage", () => {
  it("upload on one API, progress and photo on the other; a killed worker's job is finished by the other", async () => {
    const [api1, api2] = apis.map((api) => new GraphQLClient(`${api.url}/graphql`));
    const bytes = await solidPng(200, 40, 40, 40);
    const shoe = features({ sneaker: ["red"] }, ["sporty"], "A red sneaker.");
    // The first attempt hangs (its worker is killed meanwhile); the retry answers.
    await llm.script(sha256(bytes), [
      { kind: "delay", ms: 120_000, then: { kind: "features", features: shoe } },
      { kind: "features", features: shoe },
    ]);

    const added = await api1!.upload<{ addProduct: { id: string } }>(
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/sneaker", image: $image) { id } }`,
      { image: null },
      [{ variable: "variables.image", bytes, filename: "sneaker.png" }],
    );
    expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
    const id = added.data!.addProduct.id;

    const ws = subscriptionsClient(apis[1]!.url);
    const progress = subscribe<{ analysisProgress: { status: string; stage: string } }>(
      ws,
      `subscription ($id: ID!) { analysisProgress(productId: $id) { status stage } }`,
      { id },
    );
    try {
      const holder = await workerHoldingTheJob();
      await holder.kill();
      workers = workers.filter((worker) => worker !== holder);
      await progress.until((data) => data.analysisProgress.status === "READY", 60_000);
      expect(progress.received.map((event) => event.errors)).toEqual(progress.received.map(() => undefined));
    } finally {
      progress.dispose();
      await ws.dispose();
    }

    const { data } = await api2!.query<{ product: { tags: string[]; analysis: { attempts: number }; photos: Array<{ url: string }> } }>(
      `query ($id: ID!) { product(id: $id) { tags analysis { attempts } photos { url } } }`,
      { id },
    );
    expect(data!.product.tags).toEqual(["color:red", "object:shoe", "style:sporty"]); // a sneaker is filed as a shoe (synonyms.ts)
    // The killed worker's attempt and the one that finished; a loaded machine may add a retry of a transient failure.
    expect(data!.product.analysis.attempts).toBeGreaterThanOrEqual(2);
    const url = data!.product.photos[0]!.url;
    expect(url.startsWith(apis[1]!.url)).toBe(true);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(bytes);

    // No machine kept the photo on its own disk: every folder holds only its empty scratch.
    for (const folder of folders) {
      const files = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
      expect(files.map((entry) => entry.name)).toEqual([]);
    }

    // The same query photo asked of either API gets the same answer.
    const query = await solidPng(190, 50, 45, 40);
    await llm.script(sha256(query), [{ kind: "features", features: features({ sneaker: ["red"] }) }]);
    const answers = await Promise.all(
      [api1!, api2!].map((client) =>
        client.upload<{ findSimilarProducts: { matches: Array<{ product: { id: string }; score: number }> } }>(
          `mutation ($image: Upload!) { findSimilarProducts(image: $image, by: TAGS) { matches { product { id } score } } }`,
          { image: null },
          [{ variable: "variables.image", bytes: query, filename: "query.png" }],
        ),
      ),
    );
    expect(answers[0]!.errors, JSON.stringify(answers[0]!.errors)).toBeUndefined();
    expect(answers[0]!.data!.findSimilarProducts.matches.map((match) => match.product.id)).toEqual([id]);
    expect(answers[1]!.data).toEqual(answers[0]!.data);
  });
});
