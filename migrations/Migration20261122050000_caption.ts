import { Migration } from "@mikro-orm/migrations";

/**
 * A caption per product (one sentence from the analysis of its photos), and
 * full-text search over it: product.search_document becomes the tags' words,
 * the caption and the words of the product page's path. Existing products
 * have no caption yet, so their documents stay as they are.
 */
export class Migration20261122050000_caption extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table product add column caption text;`);
    this.addSql(searchDocumentFunction({ withCaption: true }));
    this.addSql(`drop trigger product_search_document on product;`);
    this.addSql(searchDocumentTrigger("tags, caption, source_url"));
  }

  override async down(): Promise<void> {
    this.addSql(searchDocumentFunction({ withCaption: false }));
    this.addSql(`drop trigger product_search_document on product;`);
    this.addSql(searchDocumentTrigger("tags, source_url"));
    // Rebuilds the documents that held caption words, while the column is still there to find them.
    this.addSql(`update product set tags = tags where caption is not null;`);
    this.addSql(`alter table product drop column caption;`);
  }
}

/** The trigger function of the weighted-tags migration, with or without the caption. */
function searchDocumentFunction({ withCaption }: { withCaption: boolean }): string {
  const caption = withCaption ? `|| ' ' || coalesce(new.caption, '')` : "";
  return `
    create or replace function product_search_document() returns trigger language plpgsql as $$
    begin
      new.search_document := to_tsvector('english',
        coalesce(array_to_string(array(select regexp_replace(t, '^[a-z]+:', '') from unnest(new.tags) as t), ' '), '')
        ${caption} || ' ' || url_title_words(new.source_url));
      return new;
    end $$;`;
}

function searchDocumentTrigger(columns: string): string {
  return `create trigger product_search_document before insert or update of ${columns} on product for each row execute function product_search_document();`;
}
