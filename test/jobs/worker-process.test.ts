import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppProcess } from "../support/app-process.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "../support/chat-completions-server-process.js";
import { features, sha256, solidPng } from "../support/images.js";
import { sample } from "../support/metrics.js";
import { addProductAndWait, waitForAnalysis } from "../support/products.js";
import { exportedFamilies, isExported, metricNamesIn } from "../support/promql.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The scale-out shape: an API process that runs no jobs, and `npm run worker` beside it. */

let llm: ChatCompletionsServer;
let api: TestApp;

const DASHBOARD = "src/observability/provisioning/grafana/dashboards/lookalike.json";

beforeAll(async () => {
  llm = await startChatCompletionsServer();
  api = await startTestApp({ TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, RUN_WORKER: "false" });
});

afterAll(async () => {
  await api?.stop();
  await llm?.stop();
});

const scrape = async (url: string) => (await fetch(url)).text();

/** The metric names graphed by the dashboard's panels under one row (panels follow their row in the file). */
async function graphedUnderRow(title: string): Promise<string[]> {
  const { panels } = JSON.parse(await readFile(DASHBOARD, "utf8")) as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
  const start = panels.findIndex((panel) => panel.type === "row" && panel.title === title);
  const end = panels.findIndex((panel, i) => i > start && panel.type === "row");
  const row = panels.slice(start + 1, end === -1 ? undefined : end);
  return [...new Set(row.flatMap((panel) => panel.targets ?? []).flatMap((target) => metricNamesIn(target.expr)))];
}

describe("npm run worker", () => {
  it("runs the analyses an API process without workers has queued, and serves their metrics on WORKER_METRICS_PORT", async () => {
    const bytes = await solidPng(9, 99, 199);
    // Slow enough for a scrape to find the job running.
    await llm.script(sha256(bytes), [{ kind: "delay", ms: 2_000, then: { kind: "features", features: features({ bottle: ["green"] }) } }]);
    const response = await api.client.upload(
      `mutation ($image: Upload!) { addProduct(sourceUrl: "https://shop.example/w", image: $image) { id } }`,
      { image: null },
      [{ variable: "variables.image", bytes, filename: "w.png" }],
    );
    const id = response.data!.addProduct.id as string;
    const pending = await api.client.query(`query ($id: ID!) { product(id: $id) { analysis { status } } }`, { id });
    expect(pending.data!.product.analysis.status).toBe("PENDING");

    const worker = await startAppProcess(
      { DATABASE_URL: api.databaseUrl, UPLOADS_DIR: api.uploadsDir, TAGGER: "openai", OPENAI_BASE_URL: llm.baseUrl, WORKER_CONCURRENCY: "3", WORKER_METRICS_PORT: "0" },
      "src/worker.ts",
    );
    try {
      expect(worker.url).toBe("");
      expect(worker.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      let active = false;
      for (const deadline = Date.now() + 10_000; !active && Date.now() < deadline; await sleep(100)) {
        const text = await scrape(worker.metricsUrl);
        expect(sample(text, "lookalike_job_queue_up")).toBe(1);
        active = sample(text, "lookalike_job_queue_jobs", { queue: "analyze-photo", state: "active" }) === 1;
      }
      expect(active, "the worker's /metrics never showed the job running").toBe(true);
      expect(await waitForAnalysis(api.client, id, 30_000)).toMatchObject({ tags: ["color:green", "object:bottle"], analysis: { status: "READY" } });

      const refused = await solidPng(7, 77, 177);
      await llm.script(sha256(refused), [{ kind: "refusal", refusal: "I cannot describe this." }]);
      const failed = await addProductAndWait(api.client, "https://shop.example/w/refused", { variable: "variables.image", bytes: refused, filename: "r.png" });
      expect(failed.analysis.error?.code).toBe("TAGGER_REFUSED");

      const text = await scrape(worker.metricsUrl);
      expect(sample(text, "lookalike_analysis_stage_duration_seconds_count", { stage: "DECODED" })).toBe(2);
      for (const stage of ["STEP_LLM", "SYNTHESISED", "INDEXED", "READY"]) {
        expect(sample(text, "lookalike_analysis_stage_duration_seconds_count", { stage }), stage).toBe(1);
      }
      expect(sample(text, "lookalike_analysis_stage_duration_seconds_sum", { stage: "STEP_LLM" })).toBeGreaterThanOrEqual(2);
      expect(sample(text, "lookalike_analysis_duration_seconds_count", { outcome: "ready" })).toBe(1);
      expect(sample(text, "lookalike_analysis_duration_seconds_count", { outcome: "failed" })).toBe(1);
      expect(sample(text, "lookalike_tagger_errors_total", { code: "TAGGER_REFUSED" })).toBe(1);
      expect(sample(text, "lookalike_job_queue_jobs", { queue: "analyze-photo", state: "active" })).toBeUndefined();
      expect(sample(text, "lookalike_sql_statements_total")).toBeGreaterThan(0);
      for (const name of ["process_cpu_seconds_total", "nodejs_eventloop_lag_p99_seconds"]) expect(sample(text, name), name).toBeGreaterThanOrEqual(0);
      // Everything the dashboard's analysis panels graph comes from here; the API, which ran none, has no analysis series.
      const families = exportedFamilies(text);
      expect((await graphedUnderRow("Analysis")).filter((name) => !isExported(families, name))).toEqual([]);
      expect(sample(await scrape(`${api.app.url}/metrics`), "lookalike_analysis_duration_seconds_count", { outcome: "ready" })).toBeUndefined();

      expect((await fetch(new URL("/health/live", worker.metricsUrl))).status).toBe(200);
      const ready = await fetch(new URL("/health/ready", worker.metricsUrl));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { database: { ok: true }, migrations: { ok: true }, analysers: { ok: true } } });
      // A metrics port, not a second API.
      expect((await fetch(new URL("/graphql", worker.metricsUrl))).status).toBe(404);
    } finally {
      await worker.kill();
    }
  });
});
