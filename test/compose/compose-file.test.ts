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
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
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

describe("docker-compose.yml", () => {
  it("runs PostgreSQL with pgvector, the API and a worker", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["app", "postgres", "worker"]);
    expect(service("postgres").image).toMatch(/^pgvector\/pgvector:pg\d+$/);
  });

  it("health-checks every service", () => {
    for (const [name, { healthcheck }] of Object.entries(compose.services)) {
      expect(healthcheck?.test, `${name} has no health check`).toBeTruthy();
      expect([healthcheck!.test].flat().join(" "), name).not.toMatch(/^NONE/);
    }
    expect([service("app").healthcheck!.test].flat().join(" ")).toContain("/health");
  });

  it.each(LOOKALIKE_SERVICES)("gives %s every setting the app reads, and no unknown one", (name) => {
    const environment = Object.keys(service(name).environment ?? {});
    expect(ENV_VARIABLES.filter((variable) => !environment.includes(variable)), `missing from ${name}`).toEqual([]);
    expect(environment.filter((variable) => !(ENV_VARIABLES as readonly string[]).includes(variable)), `unknown in ${name}`).toEqual([]);
    expect(service(name).environment).toMatchObject({ NODE_ENV: "production", UPLOADS_DIR: "/data/uploads" });
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

  it("starts the app and the worker once PostgreSQL is healthy, sharing the photos volume", () => {
    for (const name of LOOKALIKE_SERVICES) {
      expect(service(name).depends_on?.postgres?.condition, name).toBe("service_healthy");
      expect(service(name).volumes, name).toContain("uploads:/data/uploads");
    }
    const named = Object.values(compose.services).flatMap((s) => s.volumes ?? []).map((volume) => volume.split(":")[0]!);
    expect(named.sort()).toEqual(["postgres-data", "uploads", "uploads"]);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(["postgres-data", "uploads"]);
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
