import type { Embedder } from "../analysis/embedding.js";
import type { ImageFeatures } from "../analysis/features.js";
import { analyzeWithDeadline } from "../analysis/analyze-with-deadline.js";
import { STAGE } from "../analysis/progress.js";
import type { Tagger } from "../analysis/tagger.js";
import { phraseTags, queryWords, tag, tagEvidence, type TagEvidence } from "../analysis/tags.js";
import type { EventBus } from "../jobs/event-bus.js";
import { BadUserInputError, NotFoundError } from "../errors.js";
import { receiveImage, type IncomingFile, type IntakeLimits } from "../media/image-intake.js";
import type { IncomingFiles } from "../media/incoming-files.js";
import { candidateDepth, compareCandidates, fusedScore, NEAR_DUPLICATE_SIMILARITY, type HybridCandidate, type RankingSignal } from "./hybrid-ranking.js";
import { parseId, parseRequestId } from "../catalog/ids.js";
import { parseAttributes } from "../catalog/product-details.js";
import type { DuplicatePhoto, ProductRepository } from "../catalog/product-repository.js";
import { QueryProgress } from "../jobs/query-progress.js";
import type { ScoredProduct, SimilarityFilters, SimilarityRepository, TagStats } from "./similarity-repository.js";
import { weighQuery } from "./tag-weights.js";
import { fuseByReciprocalRank, reciprocalRankHead, type TextSearchRepository } from "./text-search.js";
import type { VisualRepository } from "./visual-repository.js";
import type { RankingGate } from "./ranking-gate.js";

export const MAX_RESULTS = 100;

export interface SimilarityRequest {
  /** Which signal ranks (findSimilarProducts and similarProducts; search ranks by words). */
  by?: RankingSignal;
  limit: number;
  minScore: number;
  objectType: string | null;
  color: string | null;
  createdAfter: Date | null;
  /** Attributes the product must have, each with exactly this value; null or empty: no filter. */
  attributes: ReadonlyArray<{ name: string; value: string }> | null;
}

export interface SimilarProducts {
  features: ImageFeatures;
  tags: string[];
  matches: ScoredProduct[];
}

export interface SimilarityDependencies {
  similarity: SimilarityRepository;
  text: TextSearchRepository;
  visual: VisualRepository;
  products: ProductRepository;
  incoming: IncomingFiles;
  tagger: Tagger;
  /** null when visual search is switched off: rankings by photo then go by tags alone. */
  embedder: Embedder | null;
  limits: IntakeLimits & { taggerTimeoutMs: number };
  nearDuplicateMaxDistance: number;
  bus: EventBus;
  /** The process's line for rankings: each ranking's statements run in its turn. */
  gate: RankingGate;
}

/** What a ranking by photo starts from: the query's tags, its vector, and what makes a duplicate of it. */
interface SimilarityProbe {
  evidence: readonly TagEvidence[];
  vector: number[] | null;
  /** Products that duplicate the query, found by hash, with their duplicating photo (vectors add theirs during ranking). */
  duplicates: Map<string, DuplicatePhoto>;
  excludeProductId: string | null;
}

/** Finding products: by photo, by an existing product, by words. */
export class SimilarityService {
  constructor(private readonly deps: SimilarityDependencies) {}

  /**
   * Analyses a query image (never stored) and ranks products by weighted tag
   * overlap with it. With a requestId, its progress is published for subscribers.
   */
  async findSimilarProducts(file: IncomingFile, request: SimilarityRequest, requestId: string | null): Promise<SimilarProducts> {
    const filters = checkRequest(request);
    const progress = new QueryProgress(this.deps.bus, requestId ? parseRequestId(requestId) : null, this.deps.tagger.steps);
    await progress.report("RUNNING", STAGE.received);
    try {
      const received = await receiveImage(file, this.deps.incoming, this.deps.limits);
      try {
        const image = { ...received, bytes: await received.readBytes() };
        await progress.report("RUNNING", STAGE.decoded);
        const by = request.by ?? "HYBRID";
        const deadline = { signal: AbortSignal.timeout(this.deps.limits.taggerTimeoutMs) };
        // The tags and the vector are computed side by side; TAGS needs no vector.
        const [features, embedding] = await Promise.all([
          analyzeWithDeadline(this.deps.tagger, image, this.deps.limits.taggerTimeoutMs, { onStep: (step) => void progress.step(step) }),
          by === "TAGS" || !this.deps.embedder ? null : this.deps.embedder.embed(image, deadline),
        ]);
        await progress.report("RUNNING", STAGE.synthesised);
        const evidence = tagEvidence(features);
        // The image is analysed outside the line (the tagger has its own bounds); only the ranking waits.
        const matches = await this.deps.gate.run(async () => {
          const duplicates =
            by === "TAGS" ? new Map<string, DuplicatePhoto>() : await this.deps.products.productsDuplicating(image.sha256, image.perceptualHash, this.deps.nearDuplicateMaxDistance);
          const probe = { evidence, vector: embedding?.vector ?? null, duplicates, excludeProductId: null };
          return this.rankByPhoto(probe, { ...request, by }, filters);
        });
        await progress.report("READY", STAGE.ready);
        return { features, tags: evidence.map((item) => item.tag), matches };
      } finally {
        await received.discard();
      }
    } catch (error) {
      await progress.fail(error);
      throw error;
    }
  }

  /** Products like an existing one, from its stored tags and vector: nothing is uploaded again. */
  async similarProducts(rawProductId: string, request: SimilarityRequest): Promise<ScoredProduct[]> {
    const filters = checkRequest(request);
    const productId = parseId(rawProductId, "product");
    return this.deps.gate.run(() => this.similarToProduct(productId, rawProductId, request, filters));
  }

  private async similarToProduct(productId: string, rawProductId: string, request: SimilarityRequest, filters: SimilarityFilters): Promise<ScoredProduct[]> {
    const evidence = await this.deps.text.productEvidence(productId);
    if (evidence === null) throw new NotFoundError(`No product has the id ${rawProductId}.`, { id: rawProductId });
    const by = request.by ?? "HYBRID";
    const [vector, near] =
      by === "TAGS" || !this.deps.embedder
        ? [null, new Map<string, string>()]
        : await Promise.all([this.deps.visual.productVector(productId), this.deps.products.productsNearDuplicating(productId, this.deps.nearDuplicateMaxDistance)]);
    const duplicates = new Map<string, DuplicatePhoto>([...near].map(([id, photoId]) => [id, { kind: "NEAR", photoId }]));
    return this.rankByPhoto({ evidence, vector, duplicates, excludeProductId: productId }, { ...request, by }, filters);
  }

  /**
   * Words to products: the query's phrases that name known tags are ranked by
   * weighted tag overlap, the words also by full-text search over tags,
   * captions and page titles, and the two rankings are fused by reciprocal rank.
   */
  async search(query: string, request: SimilarityRequest): Promise<ScoredProduct[]> {
    const filters = checkRequest(request);
    const words = queryWords(query);
    if (words.length === 0) {
      throw new BadUserInputError("The search query has no words to search for (only punctuation or common words).", { argument: "query" });
    }
    return this.deps.gate.run(() => this.searchWords(words, request, filters));
  }

  private async searchWords(words: string[], request: SimilarityRequest, filters: SimilarityFilters): Promise<ScoredProduct[]> {
    const phrases = phraseTags(words);
    const stats = await this.deps.similarity.tagStats(phrases.flat());
    const evidence = searchEvidence(phrases, words.length, stats);
    const depth = Math.min(MAX_RESULTS, request.limit * 3);
    const query = weighQuery(evidence, stats.productCount, stats.productsWith);
    const [byTags, byText] = await Promise.all([
      this.deps.similarity.rank(query, stats, { limit: depth, minScore: 0, excludeProductId: null, filters }),
      this.deps.text.searchText(textWords(words, phrases), depth, filters),
    ]);
    // Both rankings as ids: only the products the fused ranking keeps are loaded and explained.
    const head = reciprocalRankHead(byTags.rows.map((row) => row.product_id), byText, request.limit, request.minScore);
    const tagScores = new Map(byTags.rows.map((row) => [row.product_id, row.score]));
    const explained = await this.deps.similarity.explain(head.map(({ productId }) => ({ product_id: productId, score: tagScores.get(productId) ?? 0 })), query);
    return fuseByReciprocalRank(head, new Map(explained.map((match, index) => [head[index]!.productId, match])), request.limit);
  }

  /**
   * One ranking for a photo or a product. TAGS: the exact tag top k, as
   * before. HYBRID and VISUAL: candidates from the tag top k, the visual
   * neighbours and the duplicates, each completed with the signal it was not
   * found by, then ordered by hybrid-ranking.ts.
   */
  private async rankByPhoto(probe: SimilarityProbe, request: SimilarityRequest & { by: RankingSignal }, filters: SimilarityFilters): Promise<ScoredProduct[]> {
    const { similarity, visual } = this.deps;
    const stats = await similarity.tagStats(probe.evidence.map((item) => item.tag).concat(filters.requiredTags));
    if (request.by === "TAGS" || probe.vector === null) {
      // A product stored before embeddings and not yet backfilled has no vector: its tags still rank.
      return this.rankWith(stats, probe.evidence, request, filters, probe.excludeProductId);
    }
    const query = weighQuery(probe.evidence, stats.productCount, stats.productsWith);
    const depth = candidateDepth(request.limit);
    const requiredTagIds = filters.requiredTags.map((tag) => stats.idOf(tag) ?? -1);
    const [byTags, byLook] = await Promise.all([
      request.by === "HYBRID"
        ? similarity.rank(query, stats, { limit: depth, minScore: 0, excludeProductId: probe.excludeProductId, filters })
        : Promise.resolve({ rows: [] }),
      visual.nearestProducts(probe.vector, depth, { requiredTagIds, createdAfter: filters.createdAfter, attributes: filters.attributes, excludeProductId: probe.excludeProductId }),
    ]);
    const nearest = new Map(byLook.map((match) => [match.productId, match]));
    const ids = new Set([...byTags.rows.map((row) => row.product_id), ...nearest.keys(), ...probe.duplicates.keys()]);
    ids.delete(probe.excludeProductId ?? "");
    const missingVisual = [...ids].filter((id) => !nearest.has(id));
    const [rows, completed] = await Promise.all([
      similarity.scoreCandidates(query, stats, [...ids], filters),
      visual.similarityOf(probe.vector, missingVisual),
    ]);
    completed.forEach((match, id) => nearest.set(id, match));
    const candidates: HybridCandidate[] = rows.map((row) => {
      const visualScore = nearest.get(row.product_id)?.similarity ?? 0;
      const duplicate = probe.duplicates.get(row.product_id)?.kind ?? (visualScore >= NEAR_DUPLICATE_SIMILARITY ? "NEAR" : null);
      return {
        productId: row.product_id,
        visualScore,
        tagScore: request.by === "HYBRID" && query.total > 0 ? row.score / query.total : null,
        duplicate,
        tagCount: row.tag_count,
        createdAt: row.created_at,
      };
    });
    const ranked = candidates
      .filter((candidate) => candidate.duplicate !== null || fusedScore(request.by, candidate.visualScore, candidate.tagScore) >= Math.max(request.minScore, Number.MIN_VALUE))
      .sort(compareCandidates(request.by))
      .slice(0, request.limit);
    const explained = await similarity.explain(
      ranked.map((candidate) => ({ product_id: candidate.productId, score: (candidate.tagScore ?? 0) * query.total })),
      query,
    );
    return explained.map((match, index) => {
      const candidate = ranked[index]!;
      // A duplicate found by hash is matched by its duplicating photo; any other product by its photo nearest the query.
      const matchedPhotoId = probe.duplicates.get(candidate.productId)?.photoId ?? nearest.get(candidate.productId)?.photoId ?? null;
      return {
        ...match,
        score: fusedScore(request.by, candidate.visualScore, candidate.tagScore),
        visualScore: candidate.visualScore,
        tagScore: candidate.tagScore,
        duplicate: candidate.duplicate,
        matchedPhotoId,
      };
    });
  }

  async visualIndexStatus() {
    const status = await this.deps.visual.status();
    return { ...status, embeddedPhotos: status.embedded };
  }

  private rankWith(stats: TagStats, evidence: readonly TagEvidence[], request: SimilarityRequest, filters: SimilarityFilters, exclude: string | null) {
    const query = weighQuery(evidence, stats.productCount, stats.productsWith);
    return this.deps.similarity.findSimilar(query, stats, {
      limit: request.limit,
      minScore: request.minScore,
      excludeProductId: exclude,
      filters,
    });
  }
}

/**
 * Per phrase, the tags the catalogue knows; a phrase it knows in no namespace
 * still counts once (as an object), so a query half about something absent
 * does not look fully matched.
 */
function searchEvidence(phrases: readonly string[][], wordCount: number, stats: TagStats): TagEvidence[] {
  const tags = new Set<string>();
  // phraseTags lists the single words first.
  for (const [index, candidates] of phrases.entries()) {
    const known = candidates.filter((candidate) => stats.productsWith(candidate) > 0);
    if (known.length > 0) known.forEach((candidate) => tags.add(candidate));
    else if (index < wordCount && candidates[0]) tags.add(candidates[0]);
  }
  return [...tags].map((value) => ({ tag: value, confidence: 1 }));
}

/** The query's words, plus the words its phrases stand for by synonym (mug -> cup), for full-text search. */
function textWords(words: readonly string[], phrases: readonly string[][]): string[] {
  const objects = phrases.map((candidates) => candidates.find((candidate) => candidate.startsWith("object:"))?.slice("object:".length) ?? "");
  return [...new Set([...words, ...objects.flatMap((object) => object.split(" ")).filter(Boolean)])];
}

function checkRequest(request: SimilarityRequest): SimilarityFilters {
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > MAX_RESULTS) {
    throw new BadUserInputError(`limit must be a whole number from 1 to ${MAX_RESULTS}.`, { argument: "limit" });
  }
  if (!(request.minScore >= 0 && request.minScore <= 1)) {
    throw new BadUserInputError("minScore must be from 0 to 1.", { argument: "minScore" });
  }
  const required = [
    request.objectType === null ? null : tag("object", request.objectType),
    request.color === null ? null : tag("color", request.color),
  ];
  if ((request.objectType !== null && !required[0]) || (request.color !== null && !required[1])) {
    throw new BadUserInputError("objectType and color filters need a word.", { argument: "filter" });
  }
  return {
    requiredTags: required.filter((value): value is string => value !== null),
    createdAfter: request.createdAfter,
    attributes: parseAttributes(request.attributes ?? []),
  };
}
