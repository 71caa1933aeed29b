import { Migration } from "@mikro-orm/migrations";

/**
 * Each tag's carriers at confidence 1, newest first: a search's products
 * tied at the maximum score are the newest that carry every query tag at 1,
 * found by walking the rarest tag's list here and looking the others up in
 * the primary key (src/search/maximum-score-ties.ts), instead of reading
 * every carrier's product row to sort them by age. Partial: the walk reads
 * only certain carriers, about half of product_tag's rows.
 */
export class Migration20261209000000_newest_certain_carriers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index product_tag_newest_certain on product_tag (tag_id, created_at desc, product_id desc) where confidence >= 1;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index product_tag_newest_certain;`);
  }
}
