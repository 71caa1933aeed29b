import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppProcess } from "../support/app-process.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { GraphQLClient } from "../support/graphql-client.js";
import { features, solidPng } from "../support/images.js";
import { addProductAndWait } from "../support/products.js";
import { s3StorageEnv, startS3Server, type S3Server } from "../support/s3-server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { createTestDatabase, withClient } from "../support/test-database.js";

/**
 * deleteProduct deletes a product's rows in one committed statement, then
 * removes its stored photos. A process killed in between leaves a photo that
 * no row names. Here the app runs as a real process against a real S3 server
 * reached through a proxy; the proxy holds the photo's removal, the process is
 * SIGKILLed while it waits, and a later process's stored-photo sweep removes
 * the orphan, and nothing a row still names.
 */

type AppProcess = Awaited<ReturnType<typeof startAppProcess>>;

const BUCKET = "photos";
const PREFIX = "shop/";
const DELETE = /* GraphQL */ `mutation ($id: ID!) { deleteProduct(id: $id) }`;
const SWEEP_TASK = "stored-photo-sweep";

let database: { url: string; drop(): Promise<void> };
let s3: S3Server;
let llm: ChatCompletionsServer;
let proxy: TcpProxy;
let bucket: S3Client;
let uploadsDir: string;
const apps: AppProcess[] = [];

beforeAll(async () => {
  [database, s3, llm] = await Promise.all([createTestDatabase(), startS3Server({ buckets: [BUCKET] }), startChatCompletionsServer()]);
  await llm.setDefault({ kind: "features", features: features({ mug: ["white"] }) });
  proxy = await startTcpProxy(Number(new URL(s3.endpoint).port));
  // The test looks at the bucket directly, never through the proxy.
  bucket = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  uploadsDir = await mkdtemp(path.join(tmpdir(), "lookalike-delete-crash-"));
}, 120_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.kill()));
  bucket?.destroy();
  await proxy?.stop();
  await Promise.all([s3?.stop(), llm?.stop(), database?.drop()]);
  if (uploadsDir) await rm(uploadsDir, { recursive: true, force: true });
});

/** The app's settings: its storage is the bucket, through the proxy. */
function appEnv(extra: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    ...s3StorageEnv({ ...s3, endpoint: `http://127.0.0.1:${proxy.port}` }, BUCKET, PREFIX),
    UPLOADS_DIR: uploadsDir,
    TAGGER: "openai",
    OPENAI_BASE_URL: llm.baseUrl,
    OPENAI_MAX_RETRIES: "0",
    // Tags only: the local embedding model would only slow the test down.
    VISUAL_SEARCH: "false",
    LOCAL_TAGGER_PRELOAD: "false",
    ...extra,
  };
}

async function start(extra: Record<string, string>): Promise<AppProcess> {
  const app = await startAppProcess(appEnv(extra));
  apps.push(app);
  return app;
}

async function kill(app: AppProcess): Promise<void> {
  await app.kill();
  apps.splice(apps.indexOf(app), 1);
}

/** Every object key in the bucket, as the S3 server lists it. */
async function objectKeys(): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await bucket.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken }));
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken);
  return keys.sort();
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return withClient(database.url, async (client) => (await client.query(text, params)).rows as T[]);
}

async function rowsOf(productId: string): Promise<{ product: number; photo: number; analysis: number }> {
  const [row] = await sql<{ product: number; photo: number; analysis: number }>(
    `select (select count(*)::int from product where id = $1) as product, (select count(*)::int from photo where product_id = $1) as photo,
            (select count(*)::int from analysis where product_id = $1) as analysis`,
    [productId],
  );
  return row!;
}

async function storageKeyOf(productId: string): Promise<string> {
  const [row] = await sql<{ storage_key: string }>("select storage_key from photo where product_id = $1", [productId]);
  return row!.storage_key;
}

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    if (await check()) return;
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe("a process killed between deleting a product's rows and its photo", () => {
  it("leaves an orphaned photo that a later process's stored-photo sweep removes, keeping the photos rows name", async () => {
    // The default grace (an hour): this process's sweep removes nothing made in this test.
    // Storage requests are given far longer than the test takes: the removal is still hanging when the process is killed.
    const first = await start({ S3_TIMEOUT_MS: "600000" });
    const client = new GraphQLClient(`${first.url}/graphql`);
    const kept = await addProductAndWait(client, "https://shop.example/kept", {
      variable: "variables.image",
      bytes: await solidPng(30, 160, 60),
      filename: "kept.png",
    });
    const doomed = await addProductAndWait(client, "https://shop.example/doomed", {
      variable: "variables.image",
      bytes: await solidPng(200, 40, 40),
      filename: "doomed.png",
    });
    expect([kept.analysis.status, doomed.analysis.status]).toEqual(["READY", "READY"]);
    const keptObject = PREFIX + (await storageKeyOf(kept.id));
    const doomedObject = PREFIX + (await storageKeyOf(doomed.id));
    expect(await objectKeys()).toEqual([keptObject, doomedObject].sort());
    // The sweep this process asked for at start has run, and no other is queued: nothing but the delete below touches storage.
    await until("the first process's stored-photo sweep has run", async () => {
      const [jobs] = await sql<{ done: number; pending: number }>(
        `select count(*) filter (where state = 'completed')::int as done, count(*) filter (where state < 'completed')::int as pending
           from pgboss.job where name = $1`,
        [SWEEP_TASK],
      );
      return jobs!.done >= 1 && jobs!.pending === 0;
    });

    // Storage hangs: the delete's rows go, and its photo's removal waits at the proxy.
    proxy.stall();
    const deleting = client.query(DELETE, { id: doomed.id }).then(
      (response) => ({ answered: response }),
      (error: unknown) => ({ failed: error }),
    );
    await until("the rows are deleted and the app waits on storage", async () => {
      const rows = await rowsOf(doomed.id);
      return rows.product === 0 && proxy.stalled() > 0;
    });
    await kill(first);
    // The client never got an answer: the process died inside deleteProduct, not after it.
    expect(await deleting).toHaveProperty("failed");
    // Drop what the dead process sent (its DELETE must never reach the server), then let traffic flow again.
    proxy.cut();
    proxy.restore();

    // The row delete was committed; the photo was not removed: an orphan.
    expect(await rowsOf(doomed.id)).toEqual({ product: 0, photo: 0, analysis: 0 });
    expect(await rowsOf(kept.id)).toEqual({ product: 1, photo: 1, analysis: 1 });
    expect(await objectKeys()).toEqual([keptObject, doomedObject].sort());
    const named = await sql<{ storage_key: string }>("select storage_key from photo");
    expect(named.map((row) => PREFIX + row.storage_key)).toEqual([keptObject]);

    // A fresh process with a short grace and interval: its sweep finds the orphan and removes it.
    const second = await start({ PHOTO_SWEEP_GRACE_SECONDS: "1", PHOTO_SWEEP_INTERVAL_SECONDS: "1" });
    await until("the orphan is swept", async () => !(await objectKeys()).includes(doomedObject));
    expect(await objectKeys()).toEqual([keptObject]);

    // The kept product is whole: its row, and its photo served from the bucket.
    const served = await new GraphQLClient(`${second.url}/graphql`).query<{ product: { photos: Array<{ url: string }> } }>(
      `query ($id: ID!) { product(id: $id) { photos { url } } }`,
      { id: kept.id },
    );
    expect(served.errors, JSON.stringify(served.errors)).toBeUndefined();
    const photo = await fetch(served.data!.product.photos[0]!.url);
    expect(photo.status).toBe(200);
    expect(Buffer.from(await photo.arrayBuffer())).toEqual(await solidPng(30, 160, 60));
    await kill(second);
  }, 180_000);
});
