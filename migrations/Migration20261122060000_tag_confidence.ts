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
    this.addSql(`
      create or replace function product_tag_counts() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          update tag_stats set product_count = product_count + 1, confidence_sum = confidence_sum + new.confidence where id = new.tag_id;
        elsif tg_op = 'DELETE' then
          update tag_stats set product_count = product_count - 1, confidence_sum = confidence_sum - old.confidence where id = old.tag_id;
        else
          update tag_stats set confidence_sum = confidence_sum - old.confidence + new.confidence where id = new.tag_id;
        end if;
        return null;
      end $$;`);
    this.addSql(`drop trigger product_tag_counts on product_tag;`);
    this.addSql(`create trigger product_tag_counts after insert or delete or update of confidence on product_tag for each row execute function product_tag_counts();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger product_tag_counts on product_tag;`);
    this.addSql(`
      create or replace function product_tag_counts() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          update tag_stats set product_count = product_count + 1 where id = new.tag_id;
        else
          update tag_stats set product_count = product_count - 1 where id = old.tag_id;
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger product_tag_counts after insert or delete on product_tag for each row execute function product_tag_counts();`);
    this.addSql(`alter table tag_stats drop column confidence_sum;`);
  }
}
