import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLES } from "../../src/config.js";

/**
 * The images cannot be built here, so docker-compose.yml and the Dockerfile
 * are kept right by reading them: every service is health-checked, and the API
 * and the worker get every setting the app reads (src/config.ts), and no other.
 */
interface ComposeService {
  image?: string;
  profiles?: string[];
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  expose?: Array<string | number>;
  ports?: Array<string | number>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// merge: compose files share the environment through a YAML merge key (<<: *lookalike-environment).
const compose = parse(await readFile("docker-compose.yml", "utf8"), { merge: true }) as ComposeFile;
const dockerfile = await readFile("Dockerfile", "utf8");
const service = (name: string) => compose.services[name]!;
const LOOKALIKE_SERVICES = ["app", "worker"];
const OBSERVABILITY_SERVICES = ["grafana", "prometheus"];
/** Services that do one thing at start and exit (others wait for service_completed_successfully). */
const ONE_SHOT_SERVICES = ["minio-bucket"];
/** Named volumes (bind mounts of the repository's files start with ./). */
const namedVolumes = (volumes: string[] = []) => volumes.filter((volume) => !/^[./]/.test(volume)).map((volume) => volume.split(":")[0]!);
/** Bind mounts: [file or folder in the repository, path in the container]. */
const bindMounts = (volumes: string[] = []) => volumes.filter((volume) => volume.startsWith("./")).map((volume) => volume.split(":") as [string, string]);

describe("docker-compose.yml", () => {
  it("runs PostgreSQL with pgvector, MinIO and its bucket, the API and a worker, and Prometheus and Grafana only when asked", () => {
    const byDefault = Object.entries(compose.services).filter(([, s]) => !s.profiles).map(([name]) => name);
    expect(byDefault.sort()).toEqual(["app", "minio", "minio-bucket", "postgres", "worker"]);
    for (const name of OBSERVABILITY_SERVICES) expect(service(name).profiles, name).toEqual(["observability"]);
    expect(Object.keys(compose.services).sort()).toEqual(["app", "grafana", "minio", "minio-bucket", "postgres", "prometheus", "worker"]);
    expect(service("postgres").image).toMatch(/^pgvector\/pgvector:pg\d+$/);
  });

  it("health-checks every service that keeps running", () => {
    for (const [name, { healthcheck }] of Object.entries(compose.services).filter(([name]) => !ONE_SHOT_SERVICES.includes(name))) {
      expect(healthcheck?.test, `${name} has no health check`).toBeTruthy();
      expect([healthcheck!.test].flat().join(" "), name).not.toMatch(/^NONE/);
    }
    // Healthy means ready: the worker waits for the API to have applied the migrations.
    expect([service("app").healthcheck!.test].flat().join(" ")).toContain("/health/ready");
    // The worker is asked on its own metrics port, where it serves the same /health/ready.
    expect([service("worker").healthcheck!.test].flat().join(" ")).toMatch(/WORKER_METRICS_PORT.*\/health\/ready/);
  });

  it.each(LOOKALIKE_SERVICES)("gives %s every setting the app reads, and no unknown one", (name) => {
    const environment = Object.keys(service(name).environment ?? {});
    expect(ENV_VARIABLES.filter((variable) => !environment.includes(variable)), `missing from ${name}`).toEqual([]);
    expect(environment.filter((variable) => !(ENV_VARIABLES as readonly string[]).includes(variable)), `unknown in ${name}`).toEqual([]);
    expect(service(name).environment).toMatchObject({ NODE_ENV: "production", UPLOADS_DIR: "/data/uploads", STORAGE: "s3", S3_FORCE_PATH_STYLE: "true" });
    expect(String(service(name).environment!.DATABASE_URL)).toMatch(/@postgres:5432\//);
    // Production shape: API keys required unless AUTH is overridden on purpose.
    expect(String(service(name).environment!.AUTH)).toBe("${AUTH:-required}");
  });

  it("lets the worker alone run analyses, from the same image", () => {
    expect(service("app").environment!.RUN_WORKER).toBe("false");
    expect(service("worker").image).toBe(service("app").image);
    const [runtime, script] = service("worker").command ?? [];
    expect(runtime).toBe("node");
    // dist/src/X.js is compiled from src/X.ts.
    expect(existsSync(script!.replace(/^dist\//, "").replace(/\.js$/, ".ts")), `${script} has no source`).toBe(true);
  });

  it("starts the app and the worker once PostgreSQL is healthy and the bucket exists, sharing no disk", () => {
    for (const name of LOOKALIKE_SERVICES) {
      expect(service(name).depends_on?.postgres?.condition, name).toBe("service_healthy");
      // Photos are in the bucket, so a worker on another machine reads them as well as one beside the API.
      expect(service(name).volumes ?? [], name).toEqual([]);
      expect(String(service(name).environment!.S3_ENDPOINT), name).toBe("${S3_ENDPOINT:-http://minio:9000}");
    }
    expect(service("app").depends_on?.["minio-bucket"]?.condition).toBe("service_completed_successfully");
    const named = Object.values(compose.services).flatMap((s) => namedVolumes(s.volumes));
    expect(named.sort()).toEqual(["grafana-data", "minio-data", "postgres-data", "prometheus-data"]);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(["grafana-data", "minio-data", "postgres-data", "prometheus-data"]);
  });

  it("runs a pinned MinIO, health-checked, and makes the app's bucket with the app's credentials", () => {
    expect(service("minio").image).toMatch(/^minio\/minio:RELEASE\.\d{4}-/);
    expect(service("minio-bucket").image).toBe(service("minio").image);
    expect(service("minio-bucket").depends_on?.minio?.condition).toBe("service_healthy");
    const app = service("app").environment!;
    const minio = service("minio").environment!;
    expect(app.S3_ACCESS_KEY_ID).toBe(minio.MINIO_ROOT_USER);
    expect(app.S3_SECRET_ACCESS_KEY).toBe(minio.MINIO_ROOT_PASSWORD);
    expect(service("minio-bucket").environment!.S3_BUCKET).toBe(app.S3_BUCKET);
    const entrypoint = [(service("minio-bucket") as { entrypoint?: string[] }).entrypoint ?? []].flat().join(" ");
    expect(entrypoint).toContain("mc mb --ignore-existing");
    expect(entrypoint).toContain("$MINIO_ROOT_USER");
  });
});

describe("the observability profile", () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
    dns_sd_configs?: Array<{ names: string[]; type?: string; port?: number }>;
    relabel_configs?: Array<{ target_label?: string; replacement?: string; action?: string; source_labels?: string[] }>;
  }
  const prometheusConfig = () => {
    const [file] = bindMounts(service("prometheus").volumes).find(([, target]) => target === "/etc/prometheus/prometheus.yml")!;
    return readFile(file, "utf8").then((text) => parse(text) as { scrape_configs: ScrapeConfig[] });
  };
  /** The `service` label a job gives its series: from a static target's labels, or a relabelling that sets it. */
  const serviceLabel = (job: ScrapeConfig) =>
    job.static_configs?.[0]?.labels?.service ??
    job.relabel_configs?.find((rule) => rule.target_label === "service" && (rule.action ?? "replace") === "replace" && !rule.source_labels)?.replacement;

  it("runs pinned Prometheus and Grafana images", () => {
    expect(service("prometheus").image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(service("grafana").image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(service("prometheus").depends_on?.app?.condition).toBe("service_healthy");
    expect(service("grafana").depends_on?.prometheus?.condition).toBe("service_healthy");
  });

  it("mounts files that are in the repository", () => {
    for (const name of OBSERVABILITY_SERVICES) {
      for (const [source] of bindMounts(service(name).volumes)) expect(existsSync(source), `${name}: ${source}`).toBe(true);
    }
  });

  it("has Prometheus scrape the API's /metrics on its port", async () => {
    const jobs = (await prometheusConfig()).scrape_configs;
    const api = jobs.filter((job) => job.static_configs?.some((c) => c.targets.some((target) => target.startsWith("app:"))));
    expect(api).toHaveLength(1);
    expect(api[0]!.metrics_path ?? "/metrics").toBe("/metrics");
    expect(api[0]!.static_configs!.flatMap((c) => c.targets)).toEqual([`app:${service("app").environment!.PORT}`]);
    expect(serviceLabel(api[0]!)).toBe("api");
  });

  it("has Prometheus scrape every worker's /metrics on WORKER_METRICS_PORT, which the worker exposes, under its own label", async () => {
    const port = Number(service("worker").environment!.WORKER_METRICS_PORT);
    expect(port).toBeGreaterThan(0);
    // On the compose network only: a published host port would clash as soon as the worker is scaled.
    expect((service("worker").expose ?? []).map(Number)).toEqual([port]);
    expect(service("worker").ports).toBeUndefined();
    const jobs = (await prometheusConfig()).scrape_configs;
    const workers = jobs.filter((job) => job.dns_sd_configs?.some((sd) => sd.names.includes("worker")));
    expect(workers).toHaveLength(1);
    const [job] = workers;
    expect(job!.metrics_path ?? "/metrics").toBe("/metrics");
    // An A lookup of the service name answers with every replica's address: each is scraped, as its own instance.
    expect(job!.dns_sd_configs).toEqual([{ names: ["worker"], type: "A", port }]);
    expect(serviceLabel(job!)).toBe("worker");
    expect(new Set(jobs.map((j) => j.job_name)).size).toBe(jobs.length);
    expect(new Set(jobs.map(serviceLabel)).size).toBe(jobs.length);
  });

  it("provisions Grafana with that Prometheus and the dashboard, under the uid its panels name", async () => {
    const mounts = new Map(bindMounts(service("grafana").volumes).map(([source, target]) => [target, source]));
    const datasources = mounts.get("/etc/grafana/provisioning/datasources")!;
    const dashboards = mounts.get("/etc/grafana/provisioning/dashboards")!;
    const [source] = (parse(await readFile(`${datasources}/prometheus.yml`, "utf8")) as { datasources: Array<{ uid: string; url: string; type: string }> }).datasources;
    expect(source).toMatchObject({ type: "prometheus", url: "http://prometheus:9090" });
    const [provider] = (parse(await readFile(`${dashboards}/dashboards.yml`, "utf8")) as { providers: Array<{ options: { path: string } }> }).providers;
    expect(provider!.options.path).toBe("/etc/grafana/provisioning/dashboards");
    const dashboard = JSON.parse(await readFile(`${dashboards}/lookalike.json`, "utf8")) as { panels: Array<{ datasource?: { uid: string }; targets?: Array<{ datasource?: { uid: string } }> }> };
    const uids = new Set(dashboard.panels.flatMap((panel) => [panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource)]).filter(Boolean).map((ds) => ds!.uid));
    expect([...uids]).toEqual([source!.uid]);
  });
});

describe("Dockerfile", () => {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it("builds in one stage and runs in another, as a non-root user", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
    expect(runtime).not.toMatch(/npm (ci|install)/); // dependencies come from the build stage, pruned
  });

  it("starts the compiled entry point", () => {
    const cmd = /^CMD \["node", "([^"]+)"\]/m.exec(runtime)?.[1];
    expect(cmd).toBe("dist/src/main.js");
    expect(existsSync("src/main.ts")).toBe(true);
  });
});
