import { Migration } from "@mikro-orm/migrations";

/**
 * Analysis runs as a durable job: a photo is stored first (features still
 * unknown) and an analysis row tracks the job's status, stage and progress.
 */
export class Migration20261122010000_analysis extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table photo alter column features drop not null;`);
    this.addSql(`
      create table analysis (
        id uuid primary key,
        product_id uuid not null references product (id) on delete cascade,
        photo_id uuid not null references photo (id) on delete cascade,
        status text not null check (status in ('PENDING', 'RUNNING', 'READY', 'FAILED')),
        stage text not null,
        progress integer not null default 0 check (progress between 0 and 100),
        stages jsonb not null default '[]',
        attempts integer not null default 0,
        error_code text,
        error_message text,
        fallback_reason text,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        finished_at timestamptz,
        constraint analysis_photo_unique unique (photo_id)
      );`);
    this.addSql(`create index analysis_product_id on analysis (product_id);`);
    // Serves the sweep that re-enqueues analyses whose job was never sent.
    this.addSql(`create index analysis_unfinished on analysis (created_at) where status in ('PENDING', 'RUNNING');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table analysis;`);
    this.addSql(`alter table photo alter column features set not null;`);
  }
}
