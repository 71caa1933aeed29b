import { Migration } from "@mikro-orm/migrations";

/**
 * Weighted tag search. tag_stats keeps every tag's document frequency (for
 * IDF weights); product_tag is the inverted index (one row per product and
 * tag, with the tagger's confidence), scanned list by list by the pruned
 * top-k search; catalog_stats keeps the product count. Triggers keep the
 * counts current as tags and products come and go.
 */
export class Migration20261122020000_weighted_tags extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tag_stats (
        id serial primary key,
        tag text not null,
        product_count integer not null default 0 check (product_count >= 0),
        constraint tag_stats_tag_unique unique (tag)
      );`);
    this.addSql(`
      create table product_tag (
        tag_id integer not null references tag_stats (id),
        product_id uuid not null references product (id) on delete cascade,
        confidence real not null check (confidence > 0 and confidence <= 1),
        -- the product's, copied: ties break by it, and created-after filters on it, without a join
        created_at timestamptz not null,
        -- covering: a tag's list (and a product's lookup) is read from the index alone
        primary key (tag_id, product_id) include (confidence, created_at)
      );`);
    this.addSql(`create index product_tag_product_id on product_tag (product_id);`);
    // The same tags as ids on the product row, with their confidences in the same order: a
    // conjunctive query (products carrying all of some tags) is one GIN index scan.
    this.addSql(`create extension if not exists intarray;`);
    this.addSql(`alter table product add column tag_ids integer[] not null default '{}', add column tag_confidences real[] not null default '{}';`);
    this.addSql(`create index product_tag_ids on product using gin (tag_ids gin__int_ops);`);
    // product.tags stays as what clients see; scoring now reads product_tag.
    this.addSql(`drop index product_tags_gin;`);
    this.addSql(`create table catalog_stats (singleton boolean primary key default true check (singleton), product_count bigint not null);`);
    this.addSql(`insert into catalog_stats (product_count) select count(*) from product;`);

    this.addSql(`
      create function product_tag_counts() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          update tag_stats set product_count = product_count + 1 where id = new.tag_id;
        else
          update tag_stats set product_count = product_count - 1 where id = old.tag_id;
        end if;
        return null;
      end $$;`);
    this.addSql(`create trigger product_tag_counts after insert or delete on product_tag for each row execute function product_tag_counts();`);
    this.addSql(`
      create function catalog_product_count() returns trigger language plpgsql as $$
      begin
        update catalog_stats set product_count = product_count + case when tg_op = 'INSERT' then 1 else -1 end;
        return null;
      end $$;`);
    this.addSql(`create trigger catalog_product_count after insert or delete on product for each row execute function catalog_product_count();`);

    // Replaces a product's tags: the text[] shown to clients and the inverted rows, in one statement.
    this.addSql(`
      create function set_product_tags(target uuid, new_tags text[], confidences real[]) returns void language plpgsql as $$
      begin
        insert into tag_stats (tag) select distinct t from unnest(new_tags) as t on conflict (tag) do nothing;
        delete from product_tag pt
          where pt.product_id = target and pt.tag_id not in (select s.id from tag_stats s where s.tag = any(new_tags));
        insert into product_tag (tag_id, product_id, confidence, created_at)
          select s.id, target, x.confidence, p.created_at
          from unnest(new_tags, confidences) as x(tag, confidence)
          join tag_stats s on s.tag = x.tag
          join product p on p.id = target
          on conflict (tag_id, product_id) do update set confidence = excluded.confidence;
        update product p set
          tags = array(select t from unnest(new_tags) as t order by t),
          tag_ids = array(select pt.tag_id from product_tag pt where pt.product_id = target order by pt.tag_id),
          tag_confidences = array(select pt.confidence from product_tag pt where pt.product_id = target order by pt.tag_id)
        where p.id = target;
      end $$;`);

    // Full-text search over the tags' words and the words of the product page's path.
    this.addSql(`
      create function url_title_words(url text) returns text language sql immutable as $$
        select regexp_replace(regexp_replace(url, '^[a-z]+://[^/]*', ''), '[^[:alnum:]]+', ' ', 'g')
      $$;`);
    this.addSql(`alter table product add column search_document tsvector not null default ''::tsvector;`);
    this.addSql(`
      create function product_search_document() returns trigger language plpgsql as $$
      begin
        new.search_document := to_tsvector('english',
          coalesce(array_to_string(array(select regexp_replace(t, '^[a-z]+:', '') from unnest(new.tags) as t), ' '), '')
          || ' ' || url_title_words(new.source_url));
        return new;
      end $$;`);
    this.addSql(`create trigger product_search_document before insert or update of tags, source_url on product for each row execute function product_search_document();`);
    this.addSql(`update product set tags = tags;`);
    this.addSql(`create index product_search_document on product using gin (search_document);`);

    // The pruned top-k search (MaxScore, term at a time): see similarProductsFunction below.
    this.addSql(similarProductsFunction);

    // Existing products: their tags so far had no confidence, so count them as sure.
    this.addSql(`insert into tag_stats (tag) select distinct unnest(tags) from product on conflict do nothing;`);
    this.addSql(`
      insert into product_tag (tag_id, product_id, confidence, created_at)
      select s.id, p.id, 1, p.created_at from product p cross join lateral unnest(p.tags) as t join tag_stats s on s.tag = t;`);
    this.addSql(`
      update product p set
        tag_ids = array(select pt.tag_id from product_tag pt where pt.product_id = p.id order by pt.tag_id),
        tag_confidences = array(select pt.confidence from product_tag pt where pt.product_id = p.id order by pt.tag_id);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function similar_products(integer[], float8[], integer, float8, uuid, integer[], timestamptz);`);
    this.addSql(`drop function row_score(integer[], real[], integer[], float8[]);`);
    this.addSql(`drop function set_product_tags(uuid, text[], real[]);`);
    this.addSql(`drop trigger product_search_document on product;`);
    this.addSql(`drop function product_search_document();`);
    this.addSql(`alter table product drop column search_document;`);
    this.addSql(`drop function url_title_words(text);`);
    this.addSql(`drop table product_tag;`);
    this.addSql(`drop table tag_stats;`);
    this.addSql(`drop trigger catalog_product_count on product;`);
    this.addSql(`drop function catalog_product_count();`);
    this.addSql(`drop function product_tag_counts();`);
    this.addSql(`drop table catalog_stats;`);
    this.addSql(`create index product_tags_gin on product using gin (tags);`);
  }
}

/**
 * Exact top-k by weighted tag overlap, pruned the MaxScore way. The query's
 * tags come heaviest (rarest) first. Round m sums, for every product in the
 * lists of tags 1..m, what those tags contribute; a product found in no list
 * so far can reach at most the weights of tags m+1..n (`suffix`). Candidates
 * that could still reach the k-th best partial sum (theta) are completed with
 * their remaining tags by primary-key lookups. The search stops once the k-th
 * exact score beats `suffix`, or when `suffix` is below min_score: nothing
 * unseen can then enter the result. When the next round would read a large
 * part of all the query's lists, it takes every list at once instead: the
 * worst case is then about the cost of scoring without pruning, not a
 * multiple of it. Ties go to the newest product.
 */
const similarProductsFunction = `
  create function row_score(tag_ids integer[], confidences real[], q_ids integer[], q_weights float8[]) returns float8
  language sql immutable as $f$
    select coalesce(sum(q.w * t.confidence), 0)
    from unnest(tag_ids, confidences) as t(tag_id, confidence)
    join unnest(q_ids, q_weights) as q(tag_id, w) on q.tag_id = t.tag_id
  $f$;
  create function similar_products(
    q_ids integer[], q_weights float8[], k integer, min_score float8,
    exclude uuid, required_tag_ids integer[], created_after timestamptz
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
    -- Seed: the products carrying every query tag (one GIN scan) give a first k-th
    -- best score. Any product that can still beat it must carry each tag whose
    -- absence alone would put it below; if there are such tags, the products
    -- carrying all of them hold the whole top k, and one more GIN scan finds it.
    select coalesce(sum(w), 0) into suffix from unnest(q_weights) as w;
    select array_agg(x.score order by x.score desc) into scores from (
      select row_score(p.tag_ids, p.tag_confidences, q_ids, q_weights) as score
      from product p
      where p.tag_ids @> q_ids
        and (created_after is null or p.created_at > created_after) and (exclude is null or p.id <> exclude)
        and (required_tag_ids is null or p.tag_ids @> required_tag_ids)
      order by 1 desc limit k) as x;
    if coalesce(cardinality(scores), 0) >= k and scores[k] >= min_score then
      select array_agg(q_ids[i]) into required from generate_subscripts(q_ids, 1) as i where suffix - q_weights[i] < scores[k];
      if cardinality(required) > 0 then
        return query
          select p.id, row_score(p.tag_ids, p.tag_confidences, q_ids, q_weights), p.created_at, 0
          from product p
          where p.tag_ids @> (required || coalesce(required_tag_ids, '{}'))
            and (created_after is null or p.created_at > created_after) and (exclude is null or p.id <> exclude)
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
        where required_tag_ids is null or not exists (
          select 1 from unnest(required_tag_ids) as r(tag_id)
          where not exists (select 1 from product_tag f where f.tag_id = r.tag_id and f.product_id = p.product_id))
      ), theta as (
        select coalesce((select e.s from eligible e order by e.s desc offset k - 1 limit 1), 0) as v
      ), needed as (
        select e.* from eligible e, theta where e.s + suffix >= theta.v
      ), remainder as (
        -- the later lists' part of the candidates' scores, in one pass (a join, not a lookup per candidate)
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
      -- A further round re-reads lists 1..m+1 and completes their candidates.
      -- Once that is a large part of all the query's lists (popular tags), one
      -- last round over every list at once costs no more than not pruning.
      select coalesce(sum(s.product_count) filter (where x.pos <= m + 1), 0), coalesce(sum(s.product_count), 0)
        into next_rows, all_rows
        from unnest(q_ids) with ordinality as x(tag_id, pos) join tag_stats s on s.id = x.tag_id;
      if next_rows * 5 > all_rows then m := n - 1; end if;
    end loop;
    return query select x.id, x.score, x.created_at, m from unnest(ids, scores, times) as x(id, score, created_at);
  end $$;`;
