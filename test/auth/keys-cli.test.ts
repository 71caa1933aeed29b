import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppProcess } from "../support/app-process.js";
import { freePort } from "../support/free-port.js";
import { createTestDatabase, withClient } from "../support/test-database.js";

/** `npm run keys` (src/keys.ts) as a person runs it, against a real database it migrates itself. */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: (text: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

beforeAll(async () => {
  database = await createTestDatabase();
  sql = (text, params = []) => withClient(database.url, async (client) => (await client.query(text, params)).rows);
});

afterAll(async () => {
  await database?.drop();
});

const keys = (...args: string[]) => keysWith({ DATABASE_URL: database.url }, ...args);

async function keysWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/keys.ts", ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run keys", () => {
  let created: { id: string; name: string; token: string; scopes: string[] };

  it("creates a key and prints its token once; the database keeps only its sha256", async () => {
    const run = await keys("create", "--name", "web", "--scopes", "search, READ", "--json");
    expect(run.code).toBe(0);
    created = JSON.parse(run.stdout);
    expect(created).toMatchObject({ name: "web", scopes: ["read", "search"], revokedAt: null, token: expect.stringMatching(/^lk_[A-Za-z0-9_-]{43}$/) });
    const rows = await sql("select * from api_key");
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.token.slice(11));
    expect((rows[0]!.token_hash as Buffer).equals(createHash("sha256").update(created.token).digest())).toBe(true);
  });

  it("refuses an unknown scope and a name in use, storing nothing", async () => {
    const badScope = await keys("create", "--name", "bad", "--scopes", "read,root");
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('BAD_USER_INPUT: Unknown scope "root"');
    const again = await keys("create", "--name", "web", "--scopes", "read");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("DUPLICATE_API_KEY_NAME");
    expect(await sql("select name from api_key")).toEqual([{ name: "web" }]);
  });

  it("lists keys without their tokens, and revokes by name", async () => {
    const listed = await keys("list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`key "web" ${created.id} (${created.token.slice(0, 11)}…, scopes read,search`);
    expect(listed.stdout).not.toContain(created.token);

    const revoked = await keys("revoke", "web");
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/^Revoked key "web"/);
    expect((await sql("select revoked_at from api_key"))[0]!.revoked_at).toBeInstanceOf(Date);

    expect(JSON.parse((await keys("list", "--json")).stdout)).toEqual([]);
    const all = JSON.parse((await keys("list", "--all", "--json")).stdout);
    expect(all).toEqual([expect.objectContaining({ id: created.id, revokedAt: expect.any(String) })]);
  });

  it("explains its usage when the command is incomplete", async () => {
    const run = await keys("create", "--name", "web");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: npm run keys -- <command>");
  });
});

describe("npm run keys without DATABASE_URL", () => {
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lookalike-keys-pg-"));
    await chmod(root, 0o755); // PostgreSQL may run as another user (when we are root)
    env = { DATABASE_URL: "", EMBEDDED_PG_DIR: path.join(root, "data"), EMBEDDED_PG_PORT: String(await freePort()) };
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("starts the embedded PostgreSQL for itself, and uses the running app's without stopping it", async () => {
    const created = await keysWith(env, "create", "--name", "embedded", "--scopes", "read", "--json");
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };

    const app = await startAppProcess({ ...env, TAGGER: "none", RUN_WORKER: "false", VISUAL_SEARCH: "false", LOCAL_TAGGER_PRELOAD: "false", AUTH: "required" });
    try {
      const listed = await keysWith(env, "list", "--json");
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: "embedded" })]);
      // The app's own PostgreSQL is still up, and knows the key made before it started.
      expect((await fetch(`${app.url}/health`)).status).toBe(200);
      const response = await fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(((await response.json()) as { data: unknown }).data).toEqual({ __typename: "Query" });
    } finally {
      // SIGTERM: the app stops its embedded PostgreSQL on the way out.
      const exited = new Promise((resolve) => app.child.once("exit", resolve));
      app.child.kill("SIGTERM");
      await exited;
    }
  }, 180_000); // initdb, two PostgreSQL starts and an app start, on a shared machine
});
