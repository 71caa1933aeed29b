import { numberArrayLiteral } from "../db/sql-arrays.js";
import { rowScoreSql } from "./tag-score-sql.js";
import { placeholders, productFilterConditions } from "./product-filter-sql.js";
import type { PlanLimits, PlannedTag } from "./top-k-plan.js";
import type { ExecuteSql, RankedRow, TopKRequest } from "./top-k-search.js";

/** Carriers of every query tag read, newest first, looking for k of them at the maximum: this many times k, at least the floor. */
const TIE_SCAN_FACTOR = 20;
const TIE_SCAN_FLOOR = 1_000;

/** How the k tied products were found: by walking one tag's certain carriers, or by reading every tag's carriers. */
export type TieRead = "walk" | "carriers";

/**
 * The top k when at least k products score the most any product can: every
 * query tag at confidence 1 (confidences are at most 1). They all tie, so the
 * answer is the newest k of them. Popular words make such ties: at a million
 * products, 54,000 carry color:white and object:t-shirt both at 1, and
 * scoring every one took 360 ms. Null (and the guesses take over) when ties
 * at the maximum are unlikely, or when the reads below find fewer than k.
 *
 * Two reads, each exact when it finds k:
 * - the walk (newestCertainWalk), when it is expected to find k within its
 *   budget: a few thousand index entries, no product row read. When it read
 *   all of the driver's certain carriers, fewer than k tie (a null: falling
 *   to the guesses is always exact, only slower);
 * - else, or when the walk stopped at its budget, the carriers
 *   (newestCarriers): the products carrying every query tag, through the
 *   GIN index, newest first.
 */
export async function maximumScoreTopK(execute: ExecuteSql, request: TopKRequest, limits: PlanLimits): Promise<{ rows: RankedRow[]; read: TieRead } | null> {
  const { tags, k, productCount } = request;
  const maximum = tags.reduce((sum, tag) => sum + tag.weight, 0);
  const carriers = tags.reduce((expected, tag) => expected * Math.min(1, tag.products / Math.max(productCount, 1)), productCount);
  if (maximum < request.minScore || carriers < k) return null;
  const driver = walkDriver(tags);
  if (driver && k * (driver.products / carriers) <= limits.tieWalkRows / 2) {
    const ids = await execute<{ product_id: string }>(...newestCertainWalk(request, driver, limits.tieWalkRows));
    // Every one of them has each query tag at 1, so it scores exactly what newestCarriers' statement computes for such a row.
    if (ids.length >= k) return { rows: ids.map(({ product_id }) => ({ product_id, score: maximum })), read: "walk" };
    // The walk read every certain carrier of the driver (it has fewer carriers at all than the walk's budget), so fewer than k products tie.
    if (driver.products < limits.tieWalkRows) return null;
  }
  const rows = await execute<RankedRow>(...newestCarriers(request, maximum));
  return rows.length >= k ? { rows, read: "carriers" } : null;
}

/** The tag whose certain carriers the walk reads: the rarest with a weight (a weightless tag's confidence does not count). */
function walkDriver(tags: readonly PlannedTag[]): PlannedTag | null {
  const weighted = tags.filter((tag) => tag.weight > 0);
  return weighted.length === 0 ? null : weighted.reduce((rarest, tag) => (tag.products < rarest.products ? tag : rarest));
}

/**
 * The walk: the driver's carriers at confidence 1 newest first
 * (product_tag_newest_certain, which holds only those), at most `walkRows`
 * of them, each kept when it carries every other weighted query tag at 1 and
 * every weightless or required tag at all (each looked up in product_tag's
 * primary key), and the other filters hold. A product at the maximum carries
 * the driver at 1, so the walk meets them all in age order: the first k
 * found are the newest k.
 */
function newestCertainWalk(request: TopKRequest, driver: PlannedTag, walkRows: number): [string, unknown[]] {
  // Placeholders are bound in the order they appear in the statement.
  const { params, bind } = placeholders();
  // The literal 1 (not a placeholder) lets PostgreSQL prove the partial index's predicate.
  const walk = `
    select d.product_id, d.created_at from product_tag d where d.tag_id = ${bind(driver.id, "int")} and d.confidence >= 1
    order by d.created_at desc, d.product_id desc limit ${bind(walkRows, "int")}`;
  const carries = (tag: PlannedTag, certain: boolean) =>
    `exists (select 1 from product_tag o where o.tag_id = ${bind(tag.id, "int")} and o.product_id = w.product_id${certain ? " and o.confidence >= 1" : ""})`;
  const conditions = [
    ...request.tags.filter((tag) => tag !== driver).map((tag) => carries(tag, tag.weight > 0)),
    ...request.required.filter((tag) => tag.id !== driver.id).map((tag) => carries(tag, false)),
  ];
  const productConditions = productFilterConditions(request, bind);
  if (productConditions.length > 0) conditions.push(`exists (select 1 from product p where p.id = w.product_id and ${productConditions.join(" and ")})`);
  const sql = `
    select w.product_id from (${walk}) as w
    ${conditions.length > 0 ? `where ${conditions.join(" and ")}` : ""}
    order by w.created_at desc, w.product_id desc
    limit ${bind(request.k, "int")}`;
  return [sql, params];
}

/**
 * The products carrying every query and required tag (the created_at index,
 * or the GIN index when they are few), newest first, at most k ×
 * TIE_SCAN_FACTOR of them, those scoring the maximum kept.
 */
function newestCarriers(request: TopKRequest, maximum: number): [string, unknown[]] {
  const { tags, k } = request;
  const { params, bind } = placeholders();
  // The same formula, terms and order as the guesses' statement: a product with every tag at 1 scores exactly `maximum`.
  const score = rowScoreSql(tags.map((tag) => ({ weight: bind(tag.weight, "float8"), tagId: bind(tag.id, "int") })));
  const conditions = [`p.tag_ids @> ${bind(numberArrayLiteral([...tags, ...request.required].map((tag) => tag.id)), "int[]")}`, ...productFilterConditions(request, bind)];
  const sql = `
    select c.id as product_id, c.score from (
      select p.id, p.created_at, ${score} as score from product p where ${conditions.join(" and ")}
      order by p.created_at desc, p.id desc limit ${bind(Math.max(k * TIE_SCAN_FACTOR, TIE_SCAN_FLOOR), "int")}
    ) as c
    where c.score >= ${bind(maximum, "float8")}
    order by c.created_at desc, c.id desc
    limit ${bind(k, "int")}`;
  return [sql, params];
}
