import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { freePort } from "./free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Maintenance database of the test cluster; each test file creates its own database from it. */
    pgAdminUrl: string;
  }
}

/** One real PostgreSQL for the whole run (the embedded one, unless TEST_DATABASE_ADMIN_URL names another). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_ADMIN_URL;
  if (external) {
    project.provide("pgAdminUrl", external);
    return async () => {};
  }
  const root = await mkdtemp(path.join(tmpdir(), "lookalike-test-pg-"));
  await chmod(root, 0o755); // PostgreSQL may run as another user (when we are root)
  const dataDir = path.join(root, "data");
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: "lookalike_test", log: () => {} });
  project.provide("pgAdminUrl", postgres.adminUrl);
  return async () => {
    await postgres.stop();
    await rm(root, { recursive: true, force: true });
  };
}
