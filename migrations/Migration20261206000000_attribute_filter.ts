import { Migration } from "@mikro-orm/migrations";

/**
 * The attribute filter reaches the pruned top-k search: similar_products
 * takes one more parameter, `required_attributes` (a JSON object every
 * result's attributes must contain; null for no filter). The filter has to be
 * applied inside the search, not to its result: filtering a top k afterwards
 * would return fewer than k. The body is the weighted-tags migration's,
 * unchanged but for the filter; down() restores that one.
 */
export class Migration20261206000000_attribute_filter extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop function similar_products(integer[], float8[], integer, float8, uuid, integer[], timestamptz);`);
    this.addSql(similarProductsFunction(true));
  }

  override async down(): Promise<void> {
    this.addSql(`drop function similar_products(integer[], float8[], integer, float8, uuid, integer[], timestamptz, jsonb);`);
    this.addSql(similarProductsFunction(false));
  }
}

/**
 * The weighted-tags migration's similar_products (see its comment for how
 * the pruning works), with or without the attribute filter. The seed scans
 * read product rows, where the GIN index over attributes can serve the
 * filter; the term-at-a-time rounds read product_tag, so their candidates
 * are checked on their product row by primary key, like the required tags.
 */
function similarProductsFunction(withAttributes: boolean): string {
  const parameter = withAttributes ? ", required_attributes jsonb" : "";
  const onProduct = withAttributes ? "\n        and (required_attributes is null or p.attributes @> required_attributes)" : "";
  const onCandidate = withAttributes
    ? `
        and (required_attributes is null or exists (
          select 1 from product a where a.id = p.product_id and a.attributes @> required_attributes))`
    : "";
  return `
  create function similar_products(
    q_ids integer[], q_weights float8[], k integer, min_score float8,
    exclude uuid, required_tag_ids integer[], created_after timestamptz${parameter}
  ) returns table (product_id uuid, score float8, created_at timestamptz, rounds integer)
  language plpgsql stable as $$
  #variable_conflict use_column
  declare
    n integer := coalesce(cardinality(q_ids), 0);
    m integer := 0;
    suffix float8;
    next_rows bigint;
    required integer[];
    all_rows bigint;
    ids uuid[];
    scores float8[];
    times timestamptz[];
  begin
    if n = 0 or k < 1 then return; end if;
    select coalesce(sum(w), 0) into suffix from unnest(q_weights) as w;
    select array_agg(x.score order by x.score desc) into scores from (
      select row_score(p.tag_ids, p.tag_confidences, q_ids, q_weights) as score
      from product p
      where p.tag_ids @> q_ids
        and (created_after is null or p.created_at > created_after) and (exclude is null or p.id <> exclude)
        and (required_tag_ids is null or p.tag_ids @> required_tag_ids)${onProduct}
      order by 1 desc limit k) as x;
    if coalesce(cardinality(scores), 0) >= k and scores[k] >= min_score then
      select array_agg(q_ids[i]) into required from generate_subscripts(q_ids, 1) as i where suffix - q_weights[i] < scores[k];
      if cardinality(required) > 0 then
        return query
          select p.id, row_score(p.tag_ids, p.tag_confidences, q_ids, q_weights), p.created_at, 0
          from product p
          where p.tag_ids @> (required || coalesce(required_tag_ids, '{}'))
            and (created_after is null or p.created_at > created_after) and (exclude is null or p.id <> exclude)${onProduct}
            and row_score(p.tag_ids, p.tag_confidences, q_ids, q_weights) >= min_score
          order by 2 desc, p.created_at desc, p.id desc limit k;
        return;
      end if;
    end if;
    loop
      m := m + 1;
      select coalesce(sum(w), 0) into suffix from unnest(q_weights[m + 1:n]) as w;
      with q as (
        select * from unnest(q_ids, q_weights) with ordinality as q(tag_id, w, pos)
      ), partial as (
        select pt.product_id, sum(q.w * pt.confidence) as s, max(pt.created_at) as created_at
        from q join product_tag pt on pt.tag_id = q.tag_id
        where q.pos <= m
          and (created_after is null or pt.created_at > created_after)
          and (exclude is null or pt.product_id <> exclude)
        group by pt.product_id
      ), eligible as (
        select p.* from partial p
        where (required_tag_ids is null or not exists (
          select 1 from unnest(required_tag_ids) as r(tag_id)
          where not exists (select 1 from product_tag f where f.tag_id = r.tag_id and f.product_id = p.product_id)))${onCandidate}
      ), theta as (
        select coalesce((select e.s from eligible e order by e.s desc offset k - 1 limit 1), 0) as v
      ), needed as (
        select e.* from eligible e, theta where e.s + suffix >= theta.v
      ), remainder as (
        select pt.product_id, sum(q.w * pt.confidence) as s
        from q join product_tag pt on pt.tag_id = q.tag_id
        where q.pos > m and pt.product_id in (select n.product_id from needed n)
        group by pt.product_id
      ), completed as materialized (
        select n.product_id, n.created_at, n.s + coalesce(r.s, 0) as score
        from needed n left join remainder r on r.product_id = n.product_id
      ), top as (
        select * from completed c where c.score >= min_score
        order by c.score desc, c.created_at desc, c.product_id desc limit k
      )
      select array_agg(t.product_id order by t.score desc, t.created_at desc, t.product_id desc),
             array_agg(t.score order by t.score desc, t.created_at desc, t.product_id desc),
             array_agg(t.created_at order by t.score desc, t.created_at desc, t.product_id desc)
      into ids, scores, times from top t;
      exit when m >= n
        or suffix < min_score
        or (coalesce(cardinality(ids), 0) >= k and scores[k] > suffix);
      select coalesce(sum(s.product_count) filter (where x.pos <= m + 1), 0), coalesce(sum(s.product_count), 0)
        into next_rows, all_rows
        from unnest(q_ids) with ordinality as x(tag_id, pos) join tag_stats s on s.id = x.tag_id;
      if next_rows * 5 > all_rows then m := n - 1; end if;
    end loop;
    return query select x.id, x.score, x.created_at, m from unnest(ids, scores, times) as x(id, score, created_at);
  end $$;`;
}
