import { Migration } from "@mikro-orm/migrations";

/**
 * The sum of each tag's stored confidences, kept beside its product count by
 * the same trigger: their ratio, the tag's mean confidence, lets the top-k
 * search expect how much a matching tag really adds (see
 * catalog/top-k-plan.ts) instead of assuming every tagger was sure.
 */
export class Migration20261122060000_tag_confidence extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table tag_stats add column confidence_sum double precision not null default 0;`);
    this.addSql(`
      update tag_stats s set confidence_sum = counted.total
      from (select tag_id, sum(confidence) as total from product_tag group by tag_id) as counted
      where s.id = counted.tag_id;`);
    this.addSql(countsFunction({ withConfidence: true }));
    this.addSql(`drop trigger product_tag_counts on product_tag;`);
    this.addSql(countsTrigger("insert or delete or update of confidence"));
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger product_tag_counts on product_tag;`);
    this.addSql(countsFunction({ withConfidence: false }));
    this.addSql(countsTrigger("insert or delete"));
    this.addSql(`alter table tag_stats drop column confidence_sum;`);
  }
}

/** The counting trigger function of the weighted-tags migration, with or without the confidence sum. */
function countsFunction({ withConfidence }: { withConfidence: boolean }): string {
  const added = withConfidence ? ", confidence_sum = confidence_sum + new.confidence" : "";
  const removed = withConfidence ? ", confidence_sum = confidence_sum - old.confidence" : "";
  // Only an update of a confidence fires the trigger besides inserts and deletes (see countsTrigger).
  const updated = withConfidence ? "update tag_stats set confidence_sum = confidence_sum - old.confidence + new.confidence where id = new.tag_id;" : "null;";
  return `
    create or replace function product_tag_counts() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        update tag_stats set product_count = product_count + 1${added} where id = new.tag_id;
      elsif tg_op = 'DELETE' then
        update tag_stats set product_count = product_count - 1${removed} where id = old.tag_id;
      else
        ${updated}
      end if;
      return null;
    end $$;`;
}

function countsTrigger(events: string): string {
  return `create trigger product_tag_counts after ${events} on product_tag for each row execute function product_tag_counts();`;
}
