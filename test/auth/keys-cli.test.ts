import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

async function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/keys.ts", ...args], {
      env: { ...process.env, DATABASE_URL: database.url },
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
