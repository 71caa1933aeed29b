import { Migration } from "@mikro-orm/migrations";

/**
 * API keys (src/auth/). Only the sha256 of a token is kept: the token itself
 * is shown once, when the key is created. token_prefix is the token's first
 * characters, for people to tell their keys apart in a list. A name is unique
 * among the keys still in use, so `npm run keys -- revoke <name>` is never
 * ambiguous. The scopes are checked here too, so that no tool can store a
 * scope the server does not know.
 */
export class Migration20261201000000_api_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table api_key (
        id uuid primary key default gen_random_uuid(),
        name text not null check (length(name) between 1 and 100),
        token_hash bytea not null unique check (length(token_hash) = 32),
        token_prefix text not null,
        scopes text[] not null check (cardinality(scopes) > 0 and scopes <@ array['read', 'search', 'write', 'admin']::text[]),
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );`);
    this.addSql(`create unique index api_key_active_name on api_key (name) where revoked_at is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table api_key;`);
  }
}
