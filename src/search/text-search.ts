import type { EntityManager } from "@mikro-orm/postgresql";
import type { TagEvidence } from "../analysis/tags.js";
import type { ScoredProduct, SimilarityFilters } from "./similarity-repository.js";
import { textArrayLiteral } from "../db/sql-arrays.js";
import { preparedRows, type PreparedStatement } from "../db/prepared-statement.js";
import { placeholders, productFilterConditions, type Bind } from "./product-filter-sql.js";
import { levelQueries } from "./word-levels.js";

/** Reciprocal rank fusion's damping constant (the usual 60): rank 1 is worth 1/61. */
const RRF_K = 60;
/** What a product first in both rankings gets; fused scores are divided by it, so they run up to 1. */
const RRF_BEST = 2 / (RRF_K + 1);
export const FULL_TEXT_CONTRIBUTION = "full-text";

/** Each word's own tsquery, stemmed as the documents are (empty for a word of only stop words). */
const WORD_QUERIES: PreparedStatement = {
  name: "search_word_queries",
  text: `select plainto_tsquery('english', w)::text as query from unnest(?::text[]) with ordinality as t(w, n) order by n`,
};

/** The filters as SQL on a product row `p`: the shared ones, and required tags by name. */
function filterConditions(filters: SimilarityFilters, bind: Bind): string[] {
  const conditions = productFilterConditions(filters, bind);
  if (filters.requiredTags.length > 0) {
    // A placeholder stands for one value: the array is bound once per use.
    const required = () => bind(textArrayLiteral(filters.requiredTags), "text[]");
    conditions.push(`cardinality(${required()}) = (select count(*) from product_tag pt join tag_stats s on s.id = pt.tag_id where pt.product_id = p.id and s.tag = any(${required()}))`);
  }
  return conditions;
}

/**
 * What a product's stored tags say, with their confidences (to find products
 * like it): no row when there is no such product, one without a tag when it
 * has none.
 */
const PRODUCT_EVIDENCE: PreparedStatement = {
  name: "search_product_evidence",
  text: `select s.tag, pt.confidence from product p
         left join (product_tag pt join tag_stats s on s.id = pt.tag_id) on pt.product_id = p.id
         where p.id = ?::uuid order by s.tag`,
};

export class TextSearchRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Full-text search over product.search_document (the tags' words, the
   * caption, the title and the product page's path words, stemmed, GIN
   * indexed): the ids of the products matching most of the words first,
   * newest first among equals (word-levels.ts). One statement per level, each
   * stopping at the newest `limit`: the exact top `limit` without scoring
   * every match. Ids only: the fused ranking loads the few products it keeps.
   */
  async searchText(words: readonly string[], limit: number, filters: SimilarityFilters): Promise<string[]> {
    const wordQueries = await preparedRows<{ query: string }>(this.em, WORD_QUERIES, [textArrayLiteral(words)]);
    const levels = levelQueries(wordQueries.map((row) => row.query));
    if (levels.length === 0) return [];
    const { params, bind } = placeholders();
    const branches = levels.map(({ level, query }) => {
      const conditions = [`p.search_document @@ ${bind(query, "tsquery")}`, ...filterConditions(filters, bind)];
      return `(select ${level} as level, p.id, p.created_at from product p where ${conditions.join(" and ")} order by p.created_at desc, p.id desc limit ${bind(limit, "int")})`;
    });
    const sql = `
      select id from (${branches.join(" union all ")}) as hit
      group by id, created_at
      order by max(level) desc, created_at desc, id desc
      limit ${bind(limit, "int")}`;
    const rows = await this.em.execute<Array<{ id: string }>>(sql, params);
    return rows.map((row) => String(row.id));
  }

  /** Null when there is no such product. */
  async productEvidence(productId: string): Promise<TagEvidence[] | null> {
    const rows = await preparedRows<{ tag: string | null; confidence: number | null }>(this.em, PRODUCT_EVIDENCE, [productId]);
    if (rows.length === 0) return null;
    return rows.flatMap((row) => (row.tag === null ? [] : [{ tag: row.tag, confidence: Number(row.confidence) }]));
  }
}

/** A product's place in the fused ranking: its share from each ranking, and their sum. */
export interface FusedRank {
  productId: string;
  tagPart: number;
  textPart: number;
  score: number;
}

/**
 * Reciprocal rank fusion of the tag ranking and the full-text ranking (ids,
 * best first), as far as it is needed: every product scoring at least
 * `minScore` and at least the `limit`-th best, ties at the cut included
 * (their order is the products' creation times, which the ids do not
 * carry). The fused score runs from 0 to 1 (first in both).
 */
export function reciprocalRankHead(byTags: readonly string[], byText: readonly string[], limit: number, minScore: number): FusedRank[] {
  const fused = new Map<string, FusedRank>();
  const entry = (productId: string) => fused.get(productId) ?? fused.set(productId, { productId, tagPart: 0, textPart: 0, score: 0 }).get(productId)!;
  byTags.forEach((productId, index) => (entry(productId).tagPart = rankShare(index)));
  byText.forEach((productId, index) => (entry(productId).textPart = rankShare(index)));
  const ranked = [...fused.values()]
    .map((rank) => ({ ...rank, score: rank.tagPart + rank.textPart }))
    .filter((rank) => rank.score >= minScore)
    .sort((a, b) => b.score - a.score);
  const cut = ranked[limit - 1]?.score ?? -Infinity;
  return ranked.filter((rank) => rank.score >= cut);
}

/**
 * The fused head with its products: `explained` has each one's tag
 * explanation (search's tag ranking explained), of which a product found by
 * its words alone keeps only the product. A product's contributions split its
 * score between the tags it matched (in proportion to what each gave the tag
 * score) and the full-text match. Best first, newest first among equals, cut
 * to `limit`.
 */
export function fuseByReciprocalRank(head: readonly FusedRank[], explained: ReadonlyMap<string, ScoredProduct>, limit: number): ScoredProduct[] {
  return head
    .flatMap(({ productId, tagPart, textPart, score }) => {
      const found = explained.get(productId);
      // Deleted since it was ranked.
      if (!found?.product) return [];
      const match: ScoredProduct =
        tagPart > 0 ? found : { product: found.product, score: 0, visualScore: null, tagScore: null, duplicate: null, matchedPhotoId: null, matchedTags: [], contributions: [] };
      const tagTotal = match.contributions.reduce((sum, item) => sum + item.share, 0);
      const contributions = match.contributions.map((item) => ({ tag: item.tag, share: tagTotal > 0 ? (item.share / tagTotal) * tagPart : 0 }));
      if (textPart > 0) contributions.push({ tag: FULL_TEXT_CONTRIBUTION, share: textPart });
      return [{ ...match, score, contributions }];
    })
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.product.createdAt.getTime() - a.product.createdAt.getTime() ||
        (a.product.id < b.product.id ? 1 : -1),
    )
    .slice(0, limit);
}

/** What the product at `index` (0 first) of one ranking adds to its fused score. */
function rankShare(index: number): number {
  return 1 / (RRF_K + index + 1) / RRF_BEST;
}
