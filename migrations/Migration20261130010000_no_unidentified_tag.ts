import { Migration } from "@mikro-orm/migrations";

/**
 * "unidentified object" is no longer a tag. The local panel puts the photo's
 * own colours and words on an object of that type; as `object:unidentified
 * object` it matched nearly every product, and it now stays in the features
 * without giving a tag (see analysis/tags.ts, isPlaceholderObjectType), like
 * the other words that name no kind of object. This takes those tags off the
 * products that have them, through set_product_tags like the app does: the
 * triggers keep tag_stats' counts and confidence sums right, and rebuild the
 * full-text search document from the remaining tags. The placeholders are
 * listed here as they are today, since a migration is never edited.
 */
const PLACEHOLDER_TAGS = [
  "object:unidentified object",
  "object:unidentified",
  "object:unknown object",
  "object:unknown",
  "object:unrecognized object",
  "object:object",
  "object:thing",
  "object:item",
];

const LOCAL_PLACEHOLDER_TAG = "object:unidentified object";

const textArray = (values: readonly string[]) => `array[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(", ")}]::text[]`;

export class Migration20261130010000_no_unidentified_tag extends Migration {
  override async up(): Promise<void> {
    const placeholders = textArray(PLACEHOLDER_TAGS);
    // Each product's other tags, with their stored confidences, in one order for both arrays.
    this.addSql(`
      select set_product_tags(p.id, kept.tags, kept.confidences)
      from product p
      cross join lateral (
        select coalesce(array_agg(s.tag order by s.tag), '{}') as tags,
               coalesce(array_agg(pt.confidence order by s.tag), '{}') as confidences
        from product_tag pt join tag_stats s on s.id = pt.tag_id
        where pt.product_id = p.id and s.tag <> all(${placeholders})
      ) as kept
      where p.tags && ${placeholders}
         or exists (select 1 from product_tag pt join tag_stats s on s.id = pt.tag_id
                    where pt.product_id = p.id and s.tag = any(${placeholders}));`);
    // Nothing carries them any more: their rows would only count zero products.
    this.addSql(`
      delete from tag_stats s
      where s.tag = any(${placeholders}) and not exists (select 1 from product_tag pt where pt.tag_id = s.id);`);
  }

  /**
   * Gives the local panel's tag back to the products whose stored features
   * have its object, as sure (the code before this migration counted its
   * unknown confidence as 1). The other placeholders came from LLM replies in
   * words of their own; a new analysis under that code would bring them back.
   */
  override async down(): Promise<void> {
    const tag = textArray([LOCAL_PLACEHOLDER_TAG]);
    this.addSql(`
      select set_product_tags(p.id, existing.tags || ${tag}, existing.confidences || array[1]::real[])
      from product p
      cross join lateral (
        select coalesce(array_agg(s.tag order by s.tag), '{}') as tags,
               coalesce(array_agg(pt.confidence order by s.tag), '{}') as confidences
        from product_tag pt join tag_stats s on s.id = pt.tag_id
        where pt.product_id = p.id
      ) as existing
      where not (p.tags && ${tag})
        and exists (
          select 1 from photo ph cross join lateral jsonb_array_elements(coalesce(ph.features -> 'main_objects', '[]'::jsonb)) as o
          where ph.product_id = p.id and o ->> 'object_type' = 'unidentified object');`);
  }
}
