import { Migration } from "@mikro-orm/migrations";

/**
 * Bulk imports by URL (importProducts). An import is its items; each item
 * is a durable job (queue import-item) that fetches the image and writes
 * the product, then waits on the photo's analysis.
 *
 * An item's status moves QUEUED -> FETCHING -> ANALYSING -> DONE, or ends
 * SKIPPED (the photo's bytes were already analysed) or FAILED (with a code).
 * The move from ANALYSING is made here, by trigger, in the very transaction
 * that settles the analysis: no process can die between the two. An
 * analysis deleted first (its product or photo removed) fails the item.
 * Every change of status is published on the event bus (topic
 * import:<id>, the channel of jobs/event-bus.ts) when it commits.
 */
export class Migration20261207000000_product_imports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table product_import (
      id uuid primary key,
      created_at timestamptz not null default now(),
      item_count int not null,
      -- Who imported it (null: no key, AUTH=off): an API key's unfinished items are bounded.
      api_key_id uuid
    );`);
    this.addSql(`create index product_import_api_key on product_import (api_key_id, created_at);`);
    this.addSql(`create table import_item (
      import_id uuid not null references product_import (id) on delete cascade,
      index int not null,
      image_url text not null,
      source_url text not null,
      external_id text,
      title text,
      attributes jsonb,
      status text not null constraint import_item_status check (status in ('QUEUED', 'FETCHING', 'ANALYSING', 'DONE', 'SKIPPED', 'FAILED')),
      error_code text,
      error_message text,
      product_id uuid references product (id) on delete set null,
      analysis_id uuid,
      attempts int not null default 0,
      updated_at timestamptz not null default now(),
      primary key (import_id, index)
    );`);
    this.addSql(`create index import_item_analysis on import_item (analysis_id) where status = 'ANALYSING';`);
    // The sweep's question: items waiting for a job that may never have been sent.
    this.addSql(`create index import_item_waiting on import_item (updated_at) where status in ('QUEUED', 'FETCHING');`);

    this.addSql(`
      create function import_item_published() returns trigger language plpgsql as $$
      begin
        perform pg_notify('lookalike_events', json_build_object(
          'topic', 'import:' || new.import_id,
          'payload', json_build_object('importId', new.import_id, 'index', new.index, 'status', new.status)
        )::text);
        return null;
      end $$;`);
    this.addSql(`create trigger import_item_published after update of status on import_item
      for each row when (old.status is distinct from new.status) execute function import_item_published();`);

    this.addSql(`
      create function import_item_follows_analysis() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          update import_item set status = 'FAILED', error_code = 'NOT_FOUND',
            error_message = 'The product or photo was removed before its analysis finished.', updated_at = now()
          where analysis_id = old.id and status = 'ANALYSING';
          return null;
        end if;
        update import_item set status = case when new.status = 'READY' then 'DONE' else 'FAILED' end,
          error_code = case when new.status = 'READY' then null else new.error_code end,
          error_message = case when new.status = 'READY' then null else new.error_message end,
          updated_at = now()
        where analysis_id = new.id and status = 'ANALYSING';
        return null;
      end $$;`);
    this.addSql(`create trigger import_item_settled after update of status on analysis
      for each row when (new.status in ('READY', 'FAILED') and old.status is distinct from new.status)
      execute function import_item_follows_analysis();`);
    this.addSql(`create trigger import_item_analysis_removed after delete on analysis
      for each row execute function import_item_follows_analysis();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger import_item_analysis_removed on analysis;`);
    this.addSql(`drop trigger import_item_settled on analysis;`);
    this.addSql(`drop function import_item_follows_analysis();`);
    this.addSql(`drop table import_item;`);
    this.addSql(`drop function import_item_published();`);
    this.addSql(`drop table product_import;`);
  }
}
