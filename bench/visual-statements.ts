import type { EntityManager } from "@mikro-orm/postgresql";
import type { EmbeddingModel } from "../src/analysis/embedding.js";
import { VisualRepository, type VisualFilters, type VisualMatch } from "../src/search/visual-repository.js";

/**
 * The baseline of visual search: an exact brute-force scan. Every vector of
 * the model is compared with the query: nearestProducts' own statement with
 * no list probed but every vector read, the exact scan the repository itself
 * runs while a model has no lists (same distance, top-N sort, grouping and
 * tie-break), so the comparison measures the lists and nothing else.
 */
export class ExactVisualRepository extends VisualRepository {
  constructor(em: EntityManager, model: EmbeddingModel) {
    super(em, model);
  }

  protected override listsToProbe(): Promise<number[] | null> {
    return Promise.resolve(null);
  }

  override async nearestProducts(vector: readonly number[], limit: number, filters: VisualFilters): Promise<VisualMatch[]> {
    if (filters.requiredTagIds.length > 0 || filters.createdAfter || Object.keys(filters.attributes).length > 0 || filters.excludeProductId) throw new Error("the exact baseline takes no filters");
    return super.nearestProducts(vector, limit, filters);
  }
}

export function exactNearest(em: EntityManager, model: EmbeddingModel, vector: readonly number[], limit: number): Promise<VisualMatch[]> {
  return new ExactVisualRepository(em, model).nearestProducts(vector, limit, { requiredTagIds: [], createdAfter: null, attributes: {}, excludeProductId: null });
}
