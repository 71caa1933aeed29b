import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../../support/images.js";
import { sample } from "../../support/metrics.js";
import { addProductAndWait } from "../../support/products.js";
import { exportedFamilies, isExported, metricNamesIn } from "../../support/promql.js";
import { closed, nextMessage, openGraphqlWs } from "../../support/raw-graphql-ws.js";
import { startTcpProxy } from "../../support/tcp-proxy.js";
import { createTestDatabase } from "../../support/test-database.js";
import { startTestAppOn, type TestApp } from "../../support/test-app.js";

/**
 * /metrics, /health/live, /health/ready and request ids, over real HTTP
 * against the real app on a real PostgreSQL, reached through a TCP proxy so
 * that the last tests can take the database away and give it back.
 */
let api: TestApp;
let llm: ChatCompletionsServer;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let dropDatabase: () => Promise<void>;

const DASHBOARD = "src/observability/provisioning/grafana/dashboards/lookalike.json";
const PRODUCTS = "{ products(first: 1) { edges { node { id } } } }";

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  await llm.setDefault({ kind: "features", features: features({ mug: ["red"] }) });
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  const url = new URL(database.url);
  proxy = await startTcpProxy(Number(url.port));
  url.port = String(proxy.port);
  api = await startTestAppOn(url.toString(), database.url, {
    TAGGER: "openai",
    OPENAI_BASE_URL: llm.baseUrl,
    VISUAL_SEARCH: "false",
    // One job at a time, so a second one waits in the queue while the first runs.
    WORKER_CONCURRENCY: "1",
  });
});

afterAll(async () => {
  await api?.stop();
  await proxy?.stop();
  await dropDatabase?.();
  await llm?.stop();
});

const scrape = async () => (await fetch(`${api.app.url}/metrics`)).text();

/** Every label set of one sample name. */
function labelSets(exposition: string, name: string): Array<Record<string, string>> {
  return exposition
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => Object.fromEntries([...line.slice(0, line.lastIndexOf("}")).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value])));
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${api.app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

const COUNT = "lookalike_graphql_operation_duration_seconds_count";

describe("/metrics", () => {
  it("counts GraphQL operations by name, type and outcome, errors under their code", async () => {
    for (let i = 0; i < 2; i += 1) expect((await post({ query: `query MetricsProbe ${PRODUCTS}` })).status).toBe(200);
    await post({ query: PRODUCTS });
    expect((await post({ query: "query MetricsBadField { nope }" })).status).toBe(400);
    expect((await post({ query: "query MetricsBroken {" })).status).toBe(400);
    const addProduct = await post({ query: 'mutation MetricsRetry { retryAnalysis(productId: "00000000-0000-0000-0000-000000000000") { id } }' });
    const retryCode = ((await addProduct.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code;

    const text = await scrape();
    expect(sample(text, COUNT, { operation: "MetricsProbe", type: "query", outcome: "ok" })).toBe(2);
    expect(sample(text, COUNT, { operation: "anonymous", type: "query", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, COUNT, { operation: "MetricsBadField", outcome: "GRAPHQL_VALIDATION_FAILED" })).toBe(1);
    expect(sample(text, COUNT, { outcome: "GRAPHQL_PARSE_FAILED" })).toBe(1);
    expect(sample(text, COUNT, { operation: "MetricsRetry", type: "mutation", outcome: retryCode })).toBe(1);
    expect(retryCode).not.toBe("ok");
    // The histogram's buckets are there, labelled alike.
    expect(sample(text, "lookalike_graphql_operation_duration_seconds_bucket", { operation: "MetricsProbe", le: "+Inf" })).toBe(2);
  });

  it("keeps the number of series bounded whatever names clients send", async () => {
    const before = labelSets(await scrape(), COUNT).length;
    for (let i = 0; i < 80; i += 1) await post({ query: `query Flood${i} ${PRODUCTS}` });
    await post({ query: `query ${"Long".repeat(30)} ${PRODUCTS}` });
    const text = await scrape();
    const flood = labelSets(text, COUNT).filter((labels) => labels.operation!.startsWith("Flood"));
    expect(flood.length).toBeLessThanOrEqual(50);
    expect(labelSets(text, COUNT).length - before).toBeLessThanOrEqual(52);
    expect(sample(text, COUNT, { operation: "other", type: "query", outcome: "ok" })).toBeGreaterThanOrEqual(31);
    // The SDK's operation names always get their own series.
    await post({ query: `query Search ${PRODUCTS}` });
    expect(sample(await scrape(), COUNT, { operation: "Search", type: "query" })).toBe(1);
  });

  it("times SQL statements and reports the connection pool when scraped", async () => {
    const text = await scrape();
    expect(sample(text, "lookalike_sql_statements_total")).toBeGreaterThan(0);
    expect(sample(text, "lookalike_sql_statement_duration_seconds_count", { verb: "select", outcome: "ok" })).toBeGreaterThan(0);
    const labels = labelSets(text, "lookalike_db_pool_connections");
    expect(new Set(labels.map((set) => set.pool))).toEqual(new Set(["requests", "background"]));
    for (const name of ["requests", "background"]) {
      const pool = Object.fromEntries(labels.filter((set) => set.pool === name).map((set) => [set.state, sample(text, "lookalike_db_pool_connections", set)]));
      expect(pool.max).toBe(4); // DATABASE_POOL_MAX in the test app
      expect(pool.total).toBe(pool.used! + pool.idle!);
      expect(pool.waiting).toBe(0);
    }
    // The requests above went through the requests' pool.
    expect(sample(text, "lookalike_db_pool_connections", { pool: "requests", state: "total" })).toBeGreaterThan(0);
  });

  it("reports the job queue's depth and oldest waiting job, and analysis stages and tagger errors by code", async () => {
    // Two slow analyses, one worker: the first runs while the second waits.
    const slow = await Promise.all([solidPng(1, 2, 3), solidPng(4, 5, 6)]);
    for (const bytes of slow) await llm.script(sha256(bytes), [{ kind: "delay", ms: 3_000, then: { kind: "features", features: features({ mug: ["red"] }) } }]);
    const refused = await solidPng(7, 8, 9);
    await llm.script(sha256(refused), [{ kind: "refusal", refusal: "I cannot describe this." }]);

    const adding = slow.map((bytes, i) => addProductAndWait(api.client, `https://shop.example/m/${i}`, { variable: "variables.image", bytes, filename: `${i}.png` }));
    let seen = { active: false, waiting: false, oldest: 0 };
    for (const deadline = Date.now() + 20_000; !(seen.active && seen.waiting) && Date.now() < deadline; await sleep(200)) {
      const text = await scrape();
      expect(sample(text, "lookalike_job_queue_up")).toBe(1);
      seen = {
        active: seen.active || sample(text, "lookalike_job_queue_jobs", { queue: "analyze-photo", state: "active" }) === 1,
        waiting: seen.waiting || (sample(text, "lookalike_job_queue_jobs", { queue: "analyze-photo", state: "created" }) ?? 0) >= 1,
        oldest: Math.max(seen.oldest, sample(text, "lookalike_job_queue_oldest_waiting_seconds", { queue: "analyze-photo" }) ?? 0),
      };
    }
    expect(seen).toMatchObject({ active: true, waiting: true });
    expect(seen.oldest).toBeGreaterThan(0);
    for (const product of await Promise.all(adding)) expect(product.analysis.status).toBe("READY");
    const failed = await addProductAndWait(api.client, "https://shop.example/m/refused", { variable: "variables.image", bytes: refused, filename: "r.png" });
    expect(failed.analysis.error?.code).toBe("TAGGER_REFUSED");

    const text = await scrape();
    expect(sample(text, "lookalike_tagger_errors_total", { code: "TAGGER_REFUSED" })).toBe(1);
    // The refused analysis got as far as DECODED.
    expect(sample(text, "lookalike_analysis_stage_duration_seconds_count", { stage: "DECODED" })).toBe(3);
    for (const stage of ["STEP_LLM", "SYNTHESISED", "INDEXED", "READY"]) {
      expect(sample(text, "lookalike_analysis_stage_duration_seconds_count", { stage }), stage).toBe(2);
    }
    // The LLM's three seconds are in its step, not elsewhere.
    expect(sample(text, "lookalike_analysis_stage_duration_seconds_sum", { stage: "STEP_LLM" })).toBeGreaterThanOrEqual(6);
    expect(sample(text, "lookalike_analysis_duration_seconds_count", { outcome: "ready" })).toBe(2);
    expect(sample(text, "lookalike_analysis_duration_seconds_count", { outcome: "failed" })).toBe(1);
    expect(sample(text, "lookalike_job_queue_jobs", { queue: "analyze-photo", state: "created" })).toBeUndefined();
  });

  it("counts open WebSockets and the subscriptions on them", async () => {
    const socket = await openGraphqlWs(api.app.url);
    socket.send(JSON.stringify({ type: "connection_init" }));
    expect((await nextMessage(socket)).type).toBe("connection_ack");
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { productAdded { id } } " } }));
    for (const deadline = Date.now() + 5_000; sample(await scrape(), "lookalike_graphql_subscriptions") !== 1; await sleep(50)) {
      if (Date.now() > deadline) throw new Error("the subscription was not counted");
    }
    expect(sample(await scrape(), "lookalike_websocket_connections")).toBe(1);

    const done = closed(socket);
    socket.close(1000);
    await done;
    for (const deadline = Date.now() + 5_000; sample(await scrape(), "lookalike_websocket_connections") !== 0; await sleep(50)) {
      if (Date.now() > deadline) throw new Error("the closed socket was still counted");
    }
    expect(sample(await scrape(), "lookalike_graphql_subscriptions")).toBe(0);
  });

  it("has Node's default metrics and the event-loop lag", async () => {
    const text = await scrape();
    for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds", "nodejs_eventloop_lag_p99_seconds"]) {
      expect(sample(text, name), name).toBeGreaterThanOrEqual(0);
    }
  });

  it("exports every metric the Grafana dashboard graphs", async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const graphed = new Set(dashboard.panels.flatMap((panel) => panel.targets ?? []).flatMap((target) => metricNamesIn(target.expr)));
    expect(graphed.size).toBeGreaterThan(15);
    const families = exportedFamilies(await scrape());
    expect([...graphed].filter((name) => !isExported(families, name))).toEqual([]);
  });
});

describe("request ids", () => {
  it("keeps a short, safe x-request-id and answers with it", async () => {
    const response = await post({ query: PRODUCTS }, { "x-request-id": "edge-7f3a.42:1" });
    expect(response.headers.get("x-request-id")).toBe("edge-7f3a.42:1");
  });

  it("replaces a missing, long or unsafe one with a fresh id", async () => {
    const ids = [];
    for (const sent of [undefined, "x".repeat(65), "evil\tid", "a b", "<script>"]) {
      const response = await fetch(`${api.app.url}/health/live`, { headers: sent === undefined ? {} : { "x-request-id": sent } });
      const id = response.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("health", () => {
  it("is live, ready, and /health answers as before", async () => {
    const live = await fetch(`${api.app.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${api.app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      notReady: [],
      checks: { database: { ok: true }, migrations: { ok: true }, analysers: { ok: true } },
    });
    const health = await fetch(`${api.app.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, database: "up", tagger: { name: "openai", ready: true, detail: "gpt-4o-mini" }, embedder: "off" });
  });

  it("is not ready while the database is down, stays live, keeps /metrics answering, and is ready again when it returns", async () => {
    proxy.cut();
    const ready = await fetch(`${api.app.url}/health/ready`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as { ready: boolean; notReady: string[]; checks: Record<string, { ok: boolean }> };
    expect(report).toMatchObject({ ready: false, notReady: ["database"], checks: { database: { ok: false }, migrations: { ok: true } } });
    expect((await fetch(`${api.app.url}/health/live`)).status).toBe(200);
    const started = Date.now();
    const text = await scrape();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sample(text, "lookalike_job_queue_up")).toBe(0);

    proxy.restore();
    for (const deadline = Date.now() + 15_000; (await fetch(`${api.app.url}/health/ready`)).status !== 200; await sleep(200)) {
      if (Date.now() > deadline) throw new Error("/health/ready did not recover");
    }
    expect(sample(await scrape(), "lookalike_job_queue_up")).toBe(1);
  });
});
