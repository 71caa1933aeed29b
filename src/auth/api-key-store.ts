import { z } from "zod";
import { publishSql } from "../jobs/event-bus.js";
import { SCOPES, type Scope } from "./scopes.js";

/** The event every API process hears when a key is revoked: its id. */
export const API_KEY_REVOKED = "api-key-revoked";

/** Runs one SQL statement with `?` placeholders and returns its rows. */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<unknown[]>;

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The token's first characters, to tell keys apart; never enough to use. */
  prefix: string;
  scopes: Scope[];
  /** Runs only persisted documents (src/trusted-documents/), when TRUSTED_DOCUMENTS=keys. */
  trustedDocumentsOnly: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const row = z
  .object({
    id: z.string(),
    name: z.string(),
    token_prefix: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    trusted_documents_only: z.boolean(),
    created_at: z.coerce.date(),
    last_used_at: z.coerce.date().nullable(),
    revoked_at: z.coerce.date().nullable(),
  })
  .transform(
    (r): ApiKeyRecord => ({
      id: r.id,
      name: r.name,
      prefix: r.token_prefix,
      scopes: r.scopes,
      trustedDocumentsOnly: r.trusted_documents_only,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    }),
  );

const COLUMNS = "id, name, token_prefix, scopes, trusted_documents_only, created_at, last_used_at, revoked_at";
const parseRows = (rows: unknown[]) => rows.map((r) => row.parse(r));

/** The api_key table (migrations/Migration20261201000000_api_keys.ts); SQL only, no rules. */
export class ApiKeyStore {
  constructor(private readonly sql: SqlRunner) {}

  async insert(key: { name: string; tokenHash: Buffer; prefix: string; scopes: readonly Scope[]; trustedDocumentsOnly: boolean }): Promise<ApiKeyRecord> {
    const sql = `insert into api_key (name, token_hash, token_prefix, scopes, trusted_documents_only) values (?, ?, ?, ?::text[], ?) returning ${COLUMNS}`;
    const rows = await this.sql(sql, [
      key.name,
      key.tokenHash,
      key.prefix,
      // An array literal bound as one parameter (the driver would spread a JS array); scopes are plain words.
      `{${key.scopes.join(",")}}`,
      key.trustedDocumentsOnly,
    ]);
    return parseRows(rows)[0]!;
  }

  /** Newest first. */
  async list(options: { includeRevoked: boolean }): Promise<ApiKeyRecord[]> {
    const where = options.includeRevoked ? "" : "where revoked_at is null";
    return parseRows(await this.sql(`select ${COLUMNS} from api_key ${where} order by created_at desc, id`));
  }

  async findByHash(tokenHash: Buffer): Promise<ApiKeyRecord | null> {
    return parseRows(await this.sql(`select ${COLUMNS} from api_key where token_hash = ?`, [tokenHash]))[0] ?? null;
  }

  async findActiveByName(name: string): Promise<ApiKeyRecord | null> {
    return parseRows(await this.sql(`select ${COLUMNS} from api_key where name = ? and revoked_at is null`, [name]))[0] ?? null;
  }

  /** Revoking twice keeps the first time. Null when there is no such key. */
  async revoke(id: string): Promise<ApiKeyRecord | null> {
    // Every API process forgets the key it holds as verified (ApiKeys), from this commit on.
    const rows = await this.sql(
      `with revoked as (update api_key set revoked_at = coalesce(revoked_at, now()) where id = ?::uuid returning ${COLUMNS})
       select revoked.*, ${publishSql(API_KEY_REVOKED, "revoked.id")} from revoked`,
      [id],
    );
    return parseRows(rows)[0] ?? null;
  }

  /** Records a use, at most once a minute per key, so reads do not each write a row. */
  async touch(id: string): Promise<void> {
    await this.sql(`update api_key set last_used_at = now() where id = ?::uuid and (last_used_at is null or last_used_at < now() - interval '1 minute')`, [id]);
  }
}
