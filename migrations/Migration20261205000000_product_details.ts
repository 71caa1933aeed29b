import { Migration } from "@mikro-orm/migrations";

/**
 * A product's own details, as a shop keeps them: its SKU (`external_id`,
 * unique when given), a title, which full-text search reads with the tags,
 * the caption and the page's words, and free-form attributes (a small JSON
 * object of strings, bounded by the service), filtered by exact match
 * through a GIN index (`attributes @> '{"brand":"acme"}'`).
 */
export class Migration20261205000000_product_details extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table product add column external_id text, add column title text,
      add column attributes jsonb not null default '{}'::jsonb constraint product_attributes_object check (jsonb_typeof(attributes) = 'object');`);
    this.addSql(`alter table product add constraint product_external_id_unique unique (external_id);`);
    this.addSql(`create index product_attributes on product using gin (attributes jsonb_path_ops);`);
    this.addSql(searchDocumentFunction(`|| ' ' || coalesce(new.title, '')`));
    this.addSql(`drop trigger product_search_document on product;`);
    this.addSql(`create trigger product_search_document before insert or update of tags, caption, source_url, title on product for each row execute function product_search_document();`);
  }

  override async down(): Promise<void> {
    this.addSql(searchDocumentFunction(""));
    this.addSql(`drop trigger product_search_document on product;`);
    this.addSql(`create trigger product_search_document before insert or update of tags, caption, source_url on product for each row execute function product_search_document();`);
    // Rebuilds the documents that held title words, while the column is still there to find them.
    this.addSql(`update product set tags = tags where title is not null;`);
    this.addSql(`alter table product drop column attributes, drop column title, drop column external_id;`);
  }
}

/** The caption migration's document (tags' words, caption, the page's words), plus `title`. */
function searchDocumentFunction(title: string): string {
  return `
    create or replace function product_search_document() returns trigger language plpgsql as $$
    begin
      new.search_document := to_tsvector('english',
        coalesce(array_to_string(array(select regexp_replace(t, '^[a-z]+:', '') from unnest(new.tags) as t), ' '), '')
        || ' ' || coalesce(new.caption, '') ${title} || ' ' || url_title_words(new.source_url));
      return new;
    end $$;`;
}
