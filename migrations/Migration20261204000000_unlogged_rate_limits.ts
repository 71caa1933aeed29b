import { Migration } from "@mikro-orm/migrations";

/**
 * The rate limiter's buckets and leases are written by nearly every request.
 * As logged tables, each of those writes waited for a WAL flush to disk
 * before the request could go on. They hold only what refills or expires
 * within minutes, so they are UNLOGGED: no WAL, no flush; after a crash they
 * come back empty (every subject starts with a full bucket, and the requests
 * that held leases are gone anyway). The claims on analyses stay logged: the
 * analyses they count outlive a crash.
 */
export class Migration20261204000000_unlogged_rate_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table rate_limit_bucket set unlogged;`);
    this.addSql(`alter table rate_limit_lease set unlogged;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table rate_limit_lease set logged;`);
    this.addSql(`alter table rate_limit_bucket set logged;`);
  }
}
