import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { freePort } from "../test/support/free-port.js";

export interface BenchDatabase {
  /** A fresh, empty database for this run. */
  url: string;
  /** Where it lives, for the report (no credentials). */
  description: string;
  /** The embedded server's postmaster, whose processes' CPU a bench may read; null for a server elsewhere. */
  postmasterPid: number | null;
  /** Drops what was made; safe to call twice. */
  dispose(): Promise<void>;
}

/** A fresh database on `externalUrl`'s server, or on an embedded PostgreSQL in a temp dir. */
export function provisionBenchDatabase(externalUrl: string | undefined): Promise<BenchDatabase> {
  return externalUrl ? freshDatabaseOn(externalUrl) : embeddedDatabase();
}

async function freshDatabaseOn(serverUrl: string): Promise<BenchDatabase> {
  const name = `lookalike_bench_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    description: `database ${name} on ${url.host} (BENCH_DATABASE_URL)`,
    postmasterPid: null,
    dispose: async () => {
      if (dropped) return;
      dropped = true;
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function embeddedDatabase(): Promise<BenchDatabase> {
  const root = await mkdtemp(path.join(tmpdir(), "lookalike-bench-pg-"));
  // On an interrupt embedded-postgres stops the server itself and exits; this removes what is left.
  const removeRootAtExit = () => rmSync(root, { recursive: true, force: true });
  process.once("exit", removeRootAtExit);
  const log = new LogTail(20);
  try {
    await chmod(root, 0o755); // PostgreSQL may run as another user (when we are root)
    const port = await freePort();
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(root, "data"), port, database: "lookalike_bench", log: log.add });
    let stopped = false;
    return {
      url: postgres.url,
      description: `embedded PostgreSQL on 127.0.0.1:${port}, in a temp dir`,
      postmasterPid: await readPostmasterPid(path.join(root, "data")),
      dispose: async () => {
        if (stopped) return;
        stopped = true;
        await postgres.stop();
        await rm(root, { recursive: true, force: true });
        process.removeListener("exit", removeRootAtExit);
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL failed; its last log lines:\n${log.text()}`, { cause: error });
  }
}

/** The first line of postmaster.pid (null if it cannot be read). */
async function readPostmasterPid(dataDir: string): Promise<number | null> {
  const text = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number(text.split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The last lines PostgreSQL logged, shown only if it fails to start. */
class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly size: number) {}

  add = (line: string): void => {
    this.lines.push(line.trimEnd());
    if (this.lines.length > this.size) this.lines.shift();
  };

  text(): string {
    return this.lines.join("\n");
  }
}
