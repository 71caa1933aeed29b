import type { EntityManager } from "@mikro-orm/postgresql";
import type { EmbeddingModel } from "../src/analysis/embedding.js";
import { distanceSql, embeddingLiteral, partCount, similaritySql } from "../src/catalog/embedding-sql.js";
import { VisualRepository, type VisualFilters, type VisualMatch } from "../src/catalog/visual-repository.js";

/**
 * The baseline of visual search: an exact brute-force scan. Every vector of
 * the model is compared with the query, with the repository's own distance
 * and similarity (embedding-sql.ts), and the result is what
 * VisualRepository.nearestProducts returns: each product's closest photo,
 * closest first, ties to the newest product. It is nearestProducts'
 * statement with every row a candidate instead of the probed lists' (the
 * exact scan the repository itself runs while a model has no lists).
 */
export function exactNearestSql(model: EmbeddingModel): string {
  const distance = distanceSql("e.parts", "q.parts", partCount(model.dimension));
  return `with q as (select ?::cube[] as parts),
    scored as materialized (
      select e.product_id, ${similaritySql(distance)} as similarity
      from photo_embedding e cross join q
      where e.model = ?
    ),
    candidate as (select product_id, max(similarity) as similarity from scored group by product_id)
    select c.product_id, c.similarity
    from candidate c
    where c.similarity >= coalesce((select similarity from candidate order by similarity desc offset ? limit 1), 0)
    order by c.similarity desc, (select p.created_at from product p where p.id = c.product_id) desc, c.product_id desc
    limit ?`;
}

export async function exactNearest(em: EntityManager, model: EmbeddingModel, vector: readonly number[], limit: number): Promise<VisualMatch[]> {
  const rows = await em.execute<Array<{ product_id: string; similarity: number }>>(exactNearestSql(model), [embeddingLiteral(vector), model.id, limit - 1, limit]);
  return rows.map((row) => ({ productId: row.product_id, similarity: Number(row.similarity) }));
}

/**
 * The repository with its visual candidates found by the brute-force scan:
 * the hybrid ranking as it would be with exact visual neighbours, the
 * reference the IVF hybrid is compared with. Only for searches without
 * filters (the benchmark's).
 */
export class ExactVisualRepository extends VisualRepository {
  constructor(
    private readonly exactEm: EntityManager,
    private readonly exactModel: EmbeddingModel,
  ) {
    super(exactEm, exactModel);
  }

  override async nearestProducts(vector: readonly number[], limit: number, filters: VisualFilters): Promise<VisualMatch[]> {
    if (filters.requiredTagIds.length > 0 || filters.createdAfter || filters.excludeProductId) throw new Error("the exact baseline takes no filters");
    return exactNearest(this.exactEm, this.exactModel, vector, limit);
  }
}
