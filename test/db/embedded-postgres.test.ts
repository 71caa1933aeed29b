import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedBuffersMiB, startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { freePort } from "../support/free-port.js";
import { withClient } from "../support/test-database.js";

let root: string;
let dataDir: string;
let port: number;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "lookalike-embedded-"));
  await chmod(root, 0o755);
  dataDir = path.join(root, "data");
  port = await freePort();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the launcher in a child process that we can SIGKILL, as a crash would. */
async function startInChild(): Promise<{ pid: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/embedded-postgres-child.ts", dataDir, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith("{")) return { pid: child.pid! };
  }
  throw new Error("the child did not start PostgreSQL");
}

const selectOne = (url: string) => withClient(url, async (client) => (await client.query("select 1 as one")).rows[0]);

describe("embedded PostgreSQL", () => {
  it("recovers from a run killed with SIGKILL, which leaves PostgreSQL orphaned and postmaster.pid behind", async () => {
    const child = await startInChild();
    process.kill(child.pid, "SIGKILL");
    const orphanPid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
    expect(() => process.kill(orphanPid, 0)).not.toThrow(); // still running, holding the port

    const postgres = await startEmbeddedPostgres({ dataDir, port, database: "lookalike", log: () => {} });
    try {
      expect(await selectOne(postgres.url)).toEqual({ one: 1 });
      expect(() => process.kill(orphanPid, 0)).toThrow();
    } finally {
      await postgres.stop();
    }
  });

  it("starts over a postmaster.pid whose process is gone", async () => {
    await writeFile(path.join(dataDir, "postmaster.pid"), `2147483\n${dataDir}\n`);
    const postgres = await startEmbeddedPostgres({ dataDir, port, database: "lookalike", log: () => {} });
    try {
      expect(await selectOne(postgres.url)).toEqual({ one: 1 });
    } finally {
      await postgres.stop();
    }
  });

  it("pins the locale, so ordering is the same on every machine", async () => {
    const postgres = await startEmbeddedPostgres({ dataDir, port, database: "lookalike", log: () => {} });
    try {
      const rows = await withClient(postgres.url, async (client) => {
        const locale = await client.query("select datlocprovider, datlocale from pg_database where datname = current_database()");
        const sorted = await client.query("select array_agg(x order by x) as sorted from unnest(array['b', 'B', 'a', 'é', 'e']) x");
        return { ...locale.rows[0], ...sorted.rows[0] };
      });
      expect(rows).toEqual({ datlocprovider: "b", datlocale: "C.UTF-8", sorted: ["B", "a", "b", "e", "é"] });
    } finally {
      await postgres.stop();
    }
  });

  it("sizes shared buffers to the machine, within PostgreSQL's default and 4 GiB", async () => {
    expect(sharedBuffersMiB(2 * 2 ** 30)).toBe(512);
    expect(sharedBuffersMiB(256 * 2 ** 20)).toBe(128);
    expect(sharedBuffersMiB(8 * 2 ** 30)).toBe(2048);
    expect(sharedBuffersMiB(64 * 2 ** 30)).toBe(4096);
    const postgres = await startEmbeddedPostgres({ dataDir, port, database: "lookalike", log: () => {} });
    try {
      const shown = await withClient(postgres.url, async (client) => (await client.query("show shared_buffers")).rows[0].shared_buffers);
      const mib = sharedBuffersMiB();
      // PostgreSQL shows whole gigabytes as GB.
      expect(shown).toBe(mib % 1024 === 0 ? `${mib / 1024}GB` : `${mib}MB`);
    } finally {
      await postgres.stop();
    }
  });
});
