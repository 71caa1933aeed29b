import { Migration } from "@mikro-orm/migrations";

/**
 * Rate limits shared by every API process on this database
 * (src/server/limits/rate/). A subject is "key:<api key id>" or
 * "address:<client address>".
 * - rate_limit_bucket: one row per subject, a bucket of points as GCRA keeps
 *   it, a single time: when the bucket will be full again. A full bucket and
 *   a missing row mean the same, so idle rows can be deleted at any time.
 * - rate_limit_lease: the uploads and analyses of operations still running,
 *   so that concurrent uploads and queued analyses can be capped; a lease
 *   outlives a process that died only until it expires.
 * - rate_limit_analysis_claim: who queued an analysis, so that a subject's
 *   analyses not yet finished can be counted. Owned by the limiter, not the
 *   catalogue: it goes when the analysis goes.
 */
export class Migration20261202000000_rate_limits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table rate_limit_bucket (
        subject text primary key,
        full_at timestamptz not null
      );`);
    this.addSql(`
      create table rate_limit_lease (
        id uuid primary key default gen_random_uuid(),
        subject text not null,
        uploads integer not null check (uploads >= 0),
        analyses integer not null check (analyses >= 0),
        expires_at timestamptz not null
      );`);
    this.addSql(`create index rate_limit_lease_subject on rate_limit_lease (subject);`);
    this.addSql(`
      create table rate_limit_analysis_claim (
        analysis_id uuid primary key references analysis (id) on delete cascade,
        subject text not null
      );`);
    this.addSql(`create index rate_limit_analysis_claim_subject on rate_limit_analysis_claim (subject);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table rate_limit_analysis_claim;`);
    this.addSql(`drop table rate_limit_lease;`);
    this.addSql(`drop table rate_limit_bucket;`);
  }
}
