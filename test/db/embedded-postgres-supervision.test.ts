import { createServer, type Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { startEmbeddedAppProcess, type EmbeddedAppProcess } from "../support/embedded-app-process.js";
import { GraphQLClient } from "../support/graphql-client.js";
import { features, solidPng } from "../support/images.js";
import { addProductAndWait } from "../support/products.js";

const PRODUCTS = `{ products(first: 10) { edges { node { id } } } }`;
// Long enough that the outage is seen before the first restart try, short enough to keep the test quick.
const RESTART_BACKOFF_MS = 3_000;

let llm: ChatCompletionsServer;
let app: EmbeddedAppProcess | undefined;
let portHolder: Server | undefined;

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  await llm.setDefault({ kind: "features", features: features({ teapot: ["white"] }) });
});

afterEach(async () => {
  await new Promise((resolve) => (portHolder ? portHolder.close(resolve) : resolve(undefined)));
  portHolder = undefined;
  await app?.cleanup();
  app = undefined;
});

afterAll(async () => {
  await llm?.stop();
});

const start = (env: Record<string, string> = {}) =>
  startEmbeddedAppProcess({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, VISUAL_SEARCH: "false", ...env });

async function healthStatus(url: string): Promise<number> {
  return (await fetch(`${url}/health`)).status;
}

async function untilHealth(url: string, status: number, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    if ((await healthStatus(url)) === status) return;
    if (Date.now() > deadline) throw new Error(`/health did not answer ${status} within ${timeoutMs} ms`);
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Binds the port as soon as the killed postmaster has let go of it, and hangs up on whoever connects. */
async function takePort(port: number): Promise<Server> {
  for (const deadline = Date.now() + 2_000; ; await sleep(20)) {
    const server = createServer((socket) => socket.destroy());
    const bound = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (bound) return server;
    if (Date.now() > deadline) throw new Error(`port ${port} stayed taken after the kill`);
  }
}

describe("the embedded PostgreSQL is supervised", () => {
  it("after its postmaster is SIGKILLed, the app answers DATABASE_UNAVAILABLE, restarts it on the same data, and serves reads and writes again", async () => {
    app = await start({ EMBEDDED_PG_RESTART_BACKOFF_MS: String(RESTART_BACKOFF_MS) });
    const client = new GraphQLClient(`${app.url}/graphql`);
    const before = await addProductAndWait(client, "https://shop.example/s/1", { variable: "variables.image", bytes: await solidPng(10, 20, 30), filename: "a.png" });
    expect(before.analysis.status).toBe("READY");

    const killed = await app.postmasterPid();
    process.kill(killed, "SIGKILL"); // as the OOM killer would

    await untilHealth(app.url, 503, RESTART_BACKOFF_MS / 2);
    const during = await client.query(PRODUCTS);
    expect(during.errors?.[0]?.extensions?.code).toBe("DATABASE_UNAVAILABLE");

    await untilHealth(app.url, 200, 30_000);
    const restarted = await app.postmasterPid();
    expect(restarted).not.toBe(killed);
    expect(isAlive(restarted)).toBe(true);
    expect(app.child.exitCode).toBeNull();

    // Same data folder: what was stored before the kill is still there.
    const after = await client.query<{ products: { edges: Array<{ node: { id: string } }> } }>(PRODUCTS);
    expect(after.errors).toBeUndefined();
    expect(after.data!.products.edges.map((edge) => edge.node.id)).toEqual([before.id]);
    // A write goes through the ORM, pg-boss (the analysis job) and the event bus: all found the new server.
    const written = await addProductAndWait(client, "https://shop.example/s/2", { variable: "variables.image", bytes: await solidPng(200, 20, 30), filename: "b.png" });
    expect(written.analysis.status).toBe("READY");

    const messages = app.logs.map((line) => line.msg);
    expect(app.logs.find((line) => line.msg === "embedded PostgreSQL exited unexpectedly; restarting it")).toMatchObject({ exit: { signal: "SIGKILL" } });
    expect(messages).toContain("embedded PostgreSQL is back");

    // The normal shutdown still stops the new server.
    app.child.kill("SIGTERM");
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(restarted)).toBe(false);
  }, 180_000);

  it("exits non-zero through the normal shutdown when the server cannot come back", async () => {
    app = await start({ EMBEDDED_PG_RESTART_TRIES: "2", EMBEDDED_PG_RESTART_BACKOFF_MS: "1000" });
    process.kill(await app.postmasterPid(), "SIGKILL");
    portHolder = await takePort(app.pgPort); // something else took the port: no restart can bind it

    const exit = await Promise.race([app.exited, sleep(60_000).then(() => "still running")]);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(app.logs.filter((line) => line.msg === "embedded PostgreSQL did not restart")).toHaveLength(2);
    expect(app.logs.find((line) => line.level === 60)).toMatchObject({
      msg: "shutting down: the app cannot go on by itself",
      err: { code: "EMBEDDED_POSTGRES_LOST" },
    });
    expect(app.logs.find((line) => line.msg === "stopped")).toMatchObject({ exitCode: 1 }); // the whole shutdown ran, not a bare exit
  }, 120_000);
});
