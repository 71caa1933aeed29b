import type { ImageFeatures } from "../analysis/features.js";
import { analyzeWithDeadline } from "../analysis/analyze-with-deadline.js";
import { STAGE } from "../analysis/progress.js";
import type { Tagger } from "../analysis/tagger.js";
import { phraseTags, queryWords, tag, tagEvidence, type TagEvidence } from "../analysis/tags.js";
import type { EventBus } from "../db/event-bus.js";
import { BadUserInputError, NotFoundError } from "../errors.js";
import { receiveImage, type IncomingFile, type IntakeLimits } from "../media/image-intake.js";
import type { LocalImageStorage } from "../media/local-storage.js";
import { parseId, parseRequestId } from "./ids.js";
import { QueryProgress } from "./query-progress.js";
import type { ScoredProduct, SimilarityFilters, SimilarityRepository, TagStats } from "./similarity-repository.js";
import { weighQuery } from "./tag-weights.js";
import { fuseByReciprocalRank, type TextSearchRepository } from "./text-search.js";

export const MAX_RESULTS = 100;

export interface SimilarityRequest {
  limit: number;
  minScore: number;
  objectType: string | null;
  color: string | null;
  createdAfter: Date | null;
}

export interface SimilarProducts {
  features: ImageFeatures;
  tags: string[];
  matches: ScoredProduct[];
}

export interface SimilarityDependencies {
  similarity: SimilarityRepository;
  text: TextSearchRepository;
  storage: LocalImageStorage;
  tagger: Tagger;
  limits: IntakeLimits & { taggerTimeoutMs: number };
  bus: EventBus;
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
      const image = await receiveImage(file, this.deps.storage, this.deps.limits);
      try {
        await progress.report("RUNNING", STAGE.decoded);
        const features = await analyzeWithDeadline(this.deps.tagger, image, this.deps.limits.taggerTimeoutMs, {
          onStep: (step) => void progress.step(step),
        });
        await progress.report("RUNNING", STAGE.synthesised);
        const evidence = tagEvidence(features);
        const matches = await this.rank(evidence, request, filters, null);
        await progress.report("READY", STAGE.ready);
        return { features, tags: evidence.map((item) => item.tag), matches };
      } finally {
        await image.discard();
      }
    } catch (error) {
      await progress.fail(error);
      throw error;
    }
  }

  /** Products like an existing one, from its stored tags: nothing is uploaded again. */
  async similarProducts(rawProductId: string, request: SimilarityRequest): Promise<ScoredProduct[]> {
    const filters = checkRequest(request);
    const productId = parseId(rawProductId, "product");
    const evidence = await this.deps.text.productEvidence(productId);
    if (evidence === null) throw new NotFoundError(`No product has the id ${rawProductId}.`, { id: rawProductId });
    return this.rank(evidence, request, filters, productId);
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
    const phrases = phraseTags(words);
    const stats = await this.deps.similarity.tagStats(phrases.flat());
    const evidence = searchEvidence(phrases, words.length, stats);
    const depth = Math.min(MAX_RESULTS, request.limit * 3);
    const [byTags, byText] = await Promise.all([
      this.rankWith(stats, evidence, { ...request, limit: depth, minScore: 0 }, filters, null),
      this.deps.text.searchText(textWords(words, phrases), depth, filters),
    ]);
    return fuseByReciprocalRank(byTags, byText, request.limit, request.minScore);
  }

  private async rank(evidence: readonly TagEvidence[], request: SimilarityRequest, filters: SimilarityFilters, exclude: string | null) {
    const stats = await this.deps.similarity.tagStats(evidence.map((item) => item.tag).concat(filters.requiredTags));
    return this.rankWith(stats, evidence, request, filters, exclude);
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
  return { requiredTags: required.filter((value): value is string => value !== null), createdAfter: request.createdAfter };
}
