import { Migration } from "@mikro-orm/migrations";

/**
 * Every committed write to the catalogue is published on the event bus
 * (topic catalogue-changed, the channel of jobs/event-bus.ts), whatever
 * wrote it: a mutation, a worker, an import, visual maintenance, or someone
 * with psql. Cached answers (server/response-cache/) are dropped on it in
 * every API process. One statement-level trigger per catalogue table, so a
 * bulk write costs one notification, and PostgreSQL folds the identical
 * notifications of one transaction into one, sent at commit.
 *
 * Not catalogue: API keys, rate limits and imports (productImport is never
 * cached); the list is CATALOGUE_TABLES, and a test holds every table to it.
 */
export const CATALOGUE_TABLES = [
  "product",
  "photo",
  "analysis",
  "product_tag",
  "tag_stats",
  "catalog_stats",
  "photo_embedding",
  "visual_index",
  "visual_list",
] as const;

export class Migration20261208000000_catalogue_changed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function catalogue_changed() returns trigger language plpgsql as $$
      begin
        perform pg_notify('lookalike_events', '{"topic":"catalogue-changed","payload":null}');
        return null;
      end $$;`);
    for (const table of CATALOGUE_TABLES) {
      this.addSql(`create trigger catalogue_changed after insert or update or delete or truncate on ${table} for each statement execute function catalogue_changed();`);
    }
  }

  override async down(): Promise<void> {
    for (const table of CATALOGUE_TABLES) this.addSql(`drop trigger catalogue_changed on ${table};`);
    this.addSql(`drop function catalogue_changed();`);
  }
}
