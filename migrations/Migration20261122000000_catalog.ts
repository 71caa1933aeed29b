import { Migration } from "@mikro-orm/migrations";

/** Products and their photos; tags in a GIN-indexed text[] for overlap scoring. */
export class Migration20261122000000_catalog extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table product (
        id uuid primary key,
        source_url text not null,
        tags text[] not null default '{}',
        created_at timestamptz not null default now(),
        constraint product_source_url_unique unique (source_url)
      );`);
    // Serves "tags && $query" (any overlap), the candidate filter of similarity and search.
    this.addSql(`create index product_tags_gin on product using gin (tags);`);
    // Serves the newest-first connection and the tie-break of ranked results.
    this.addSql(`create index product_created_at_id on product (created_at desc, id desc);`);
    this.addSql(`
      create table photo (
        id uuid primary key,
        product_id uuid not null references product (id) on delete cascade,
        storage_key text not null,
        mime_type text not null,
        width integer not null check (width > 0),
        height integer not null check (height > 0),
        byte_size integer not null check (byte_size > 0),
        sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
        features jsonb not null,
        created_at timestamptz not null default now(),
        constraint photo_storage_key_unique unique (storage_key)
      );`);
    this.addSql(`create index photo_product_id on photo (product_id, created_at);`);
    this.addSql(`create index photo_sha256 on photo (sha256);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table photo;`);
    this.addSql(`drop table product;`);
  }
}
