import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("config", () => {
  it("runs on embedded defaults with nothing set", () => {
    const config = loadConfig({}, "/srv/app");
    expect(config.http.port).toBe(4000);
    expect(config.database.url).toBeUndefined();
    expect(config.database.embedded.dataDir).toBe("/srv/app/.data/postgres");
    expect(config.media.uploadsDir).toBe("/srv/app/uploads");
    expect(config.tagger.mode).toBe("local");
  });

  it("switches to the OpenAI tagger when an endpoint is configured", () => {
    expect(loadConfig({ OPENAI_API_KEY: "sk-test" }).tagger.mode).toBe("openai");
    expect(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:8000/v1" }).tagger.mode).toBe("openai");
    expect(loadConfig({ OPENAI_API_KEY: "sk-test", TAGGER: "none" }).tagger.mode).toBe("none");
  });

  it("turns visual search on by default, with the IVF settings", () => {
    expect(loadConfig({}).visualIndex).toMatchObject({ enabled: true, minVectors: 20_000, vectorsPerList: 500, probes: 16 });
    expect(loadConfig({ VISUAL_SEARCH: "false", VISUAL_SEARCH_PROBES: "16" }).visualIndex).toMatchObject({ enabled: false, probes: 16 });
  });

  it("gives a worker-only process a metrics port only when WORKER_METRICS_PORT is set", () => {
    expect(loadConfig({}).http.workerMetricsPort).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: "" }).http.workerMetricsPort).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: "9464" }).http.workerMetricsPort).toBe(9464);
    expect(loadConfig({ WORKER_METRICS_PORT: "0" }).http.workerMetricsPort).toBe(0);
  });

  it("fetches by URL from public addresses only unless IMPORT_FETCH_ALLOW_HOSTS names hosts or ranges", () => {
    expect(loadConfig({}).importFetch).toEqual({ timeoutMs: 30_000, maxRedirects: 5, allowHosts: [], concurrency: 4, maxPendingItems: 10_000 });
    const config = loadConfig({ IMPORT_FETCH_ALLOW_HOSTS: " localhost, 127.0.0.1 ,10.0.0.0/8,::1,", IMPORT_FETCH_MAX_REDIRECTS: "0" });
    expect(config.importFetch).toMatchObject({ maxRedirects: 0, allowHosts: ["localhost", "127.0.0.1", "10.0.0.0/8", "::1"] });
  });

  it.each([{ PORT: "http" }, { IMPORT_FETCH_ALLOW_HOSTS: "images.internal,not a host" }, { IMPORT_FETCH_ALLOW_HOSTS: "10.0.0.0/40" }, { IMPORT_FETCH_MAX_REDIRECTS: "-1" }, { VISUAL_SEARCH_PROBES: "0" }, { PORT: "70000" }, { WORKER_METRICS_PORT: "70000" }, { DATABASE_URL: "not a url" }, { TAGGER: "magic" }])("refuses %j", (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
});
