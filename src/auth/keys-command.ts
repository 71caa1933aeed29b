import { parseArgs } from "node:util";
import { DomainError } from "../errors.js";
import type { ApiKeyRecord } from "./api-key-store.js";
import type { ApiKeys } from "./api-keys.js";
import { SCOPES } from "./scopes.js";

export const KEYS_USAGE = `Usage: npm run keys -- <command>
  create --name <name> --scopes <${SCOPES.join(",")}>   prints the token, once
         [--trusted-documents-only]                 the key runs only the SDK's persisted documents
  list [--all]                                      keys in use (--all: revoked ones too)
  revoke <id or name>                               stops a key at once
Add --json to any command for machine-readable output.`;

export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

/** `npm run keys` (src/keys.ts) without the database plumbing; returns the exit code. */
export async function runKeysCommand(argv: readonly string[], keys: ApiKeys, io: CommandOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { name: { type: "string" }, scopes: { type: "string" }, "trusted-documents-only": { type: "boolean" }, all: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean" } },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${KEYS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const json = values.json ?? false;
  try {
    if (command === "create" && values.name !== undefined && values.scopes !== undefined && rest.length === 0) {
      const { key, token } = await keys.create(values.name, values.scopes, { trustedDocumentsOnly: values["trusted-documents-only"] ?? false });
      if (json) io.out(JSON.stringify({ ...view(key), token }));
      else io.out(`Created ${describe(key)}.\nIts token, shown this once (send it as Authorization: Bearer <token>):\n${token}`);
      return 0;
    }
    if (command === "list" && rest.length === 0) {
      const list = await keys.list({ includeRevoked: values.all ?? false });
      if (json) io.out(JSON.stringify(list.map(view)));
      else io.out(list.length === 0 ? "No API keys." : list.map(describe).join("\n"));
      return 0;
    }
    if (command === "revoke" && rest.length === 1) {
      const key = await keys.revoke(rest[0]!);
      io.out(json ? JSON.stringify(view(key)) : `Revoked ${describe(key)}.`);
      return 0;
    }
  } catch (error) {
    if (error instanceof DomainError) {
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
  io.err(values.help ? KEYS_USAGE : `Unknown or incomplete command.\n${KEYS_USAGE}`);
  return values.help ? 0 : 2;
}

const view = (key: ApiKeyRecord) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  scopes: key.scopes,
  trustedDocumentsOnly: key.trustedDocumentsOnly,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

function describe(key: ApiKeyRecord): string {
  const used = key.lastUsedAt ? `last used ${key.lastUsedAt.toISOString()}` : "never used";
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : used;
  return `key "${key.name}" ${key.id} (${key.prefix}…, scopes ${key.scopes.join(",")}${key.trustedDocumentsOnly ? ", trusted documents only" : ""}, created ${key.createdAt.toISOString()}, ${state})`;
}
