import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Logger } from "pino";
import { analyzeWithDeadline } from "../analysis/analyze-with-deadline.js";
import type { ImageFeatures } from "../analysis/features.js";
import { TaggerUnavailableError } from "../analysis/errors.js";
import { STAGE } from "../analysis/progress.js";
import type { Tagger } from "../analysis/tagger.js";
import type { EventBus } from "../db/event-bus.js";
import { flattenTags, tagsForWords } from "../analysis/tags.js";
import { BadUserInputError, NotFoundError } from "../errors.js";
import { receiveImage, type IncomingFile, type IntakeLimits } from "../media/image-intake.js";
import type { LocalImageStorage } from "../media/local-storage.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { Analysis } from "./analysis.entity.js";
import { AnalysisNotRetryableError, DuplicateSourceUrlError } from "./errors.js";
import { Photo } from "./photo.entity.js";
import { Product } from "./product.entity.js";
import type { ProductRepository, ScoredProduct } from "./product-repository.js";
import { parseSourceUrl } from "./source-url.js";
import { parseId, parseRequestId } from "./ids.js";
import { QueryProgress } from "./query-progress.js";

export interface CatalogDependencies {
  repository: ProductRepository;
  storage: LocalImageStorage;
  tagger: Tagger;
  limits: IntakeLimits & { taggerTimeoutMs: number };
  jobs: { enqueue(analysisId: string): Promise<void> };
  bus: EventBus;
  logger: Pick<Logger, "warn">;
}

export const MAX_RESULTS = 100;

export interface SimilarProducts {
  features: ImageFeatures;
  tags: string[];
  matches: ScoredProduct[];
}

export interface ProductPage {
  products: Product[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** The catalogue's use cases. Resolvers call these; this calls the repository, storage and tagger. */
export class CatalogService {
  constructor(private readonly deps: CatalogDependencies) {}

  /**
   * Stores the photo and queues its analysis: the product comes back at once,
   * its analysis PENDING. Rows and file are written together or not at all.
   */
  async addProduct(rawSourceUrl: string, file: IncomingFile): Promise<Product> {
    const sourceUrl = parseSourceUrl(rawSourceUrl);
    if (!this.deps.tagger.configured) {
      throw new TaggerUnavailableError("No image tagger is configured (TAGGER=none), so no photo can be analysed.");
    }
    await this.assertSourceUrlFree(sourceUrl);
    const image = await receiveImage(file, this.deps.storage, this.deps.limits);
    try {
      const product = new Product(sourceUrl);
      const photo = Object.assign(new Photo(), {
        product,
        storageKey: this.deps.storage.newKey(image.extension),
        mimeType: image.mimeType,
        width: image.width,
        height: image.height,
        byteSize: image.byteSize,
        sha256: image.sha256,
      });
      const analysis = Object.assign(new Analysis(), { product, photo });
      analysis.stages = [{ stage: STAGE.received, progress: 0, at: analysis.createdAt.toISOString() }];
      await this.deps.storage.commit(image.path, photo.storageKey);
      try {
        await this.deps.repository.insertProduct(product, photo, analysis);
      } catch (error) {
        await this.deps.storage.remove(photo.storageKey);
        throw await this.explainInsertFailure(error, sourceUrl);
      }
      await this.enqueue(analysis.id);
      return product;
    } finally {
      await image.discard();
    }
  }

  /**
   * Analyses a query image (never stored) and ranks products by tag overlap
   * with it. With a requestId, its progress is published for subscribers.
   */
  async findSimilarProducts(file: IncomingFile, limit: number, requestId: string | null = null): Promise<SimilarProducts> {
    const checkedLimit = checkLimit(limit);
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
        const tags = flattenTags(features);
        const matches = await this.deps.repository.findByTagOverlap(tags, checkedLimit);
        await progress.report("READY", STAGE.ready);
        return { features, tags, matches };
      } finally {
        await image.discard();
      }
    } catch (error) {
      await progress.fail(error);
      throw error;
    }
  }

  async search(query: string, limit: number): Promise<ScoredProduct[]> {
    const checkedLimit = checkLimit(limit);
    const tags = tagsForWords(query);
    if (tags.length === 0) throw new BadUserInputError("The search query has no words.", { argument: "query" });
    return this.deps.repository.findByTagOverlap(tags, checkedLimit);
  }

  async product(id: string): Promise<Product> {
    const product = await this.deps.repository.findById(parseId(id, "product"));
    if (!product) throw new NotFoundError(`No product has the id ${id}.`, { id });
    return product;
  }

  async photo(id: string): Promise<Photo> {
    const photo = await this.deps.repository.findPhotoById(parseId(id, "photo"));
    if (!photo) throw new NotFoundError(`No photo has the id ${id}.`, { id });
    return photo;
  }

  async products(first: number, after: string | null): Promise<ProductPage> {
    const page = await this.deps.repository.pageNewestFirst(checkLimit(first, "first"), after ? decodeCursor(after) : null);
    const last = page.products.at(-1);
    return { ...page, endCursor: last ? encodeCursor(last) : null };
  }

  photosOfProducts(productIds: readonly string[]): Promise<Map<string, Photo[]>> {
    return this.deps.repository.photosByProductIds(productIds);
  }

  analysesOfProducts(productIds: readonly string[]): Promise<Map<string, Analysis>> {
    return this.deps.repository.analysesByProductIds(productIds);
  }

  /** Re-runs a failed analysis from the start. */
  async retryAnalysis(productId: string): Promise<Product> {
    const product = await this.product(productId);
    const analysis = (await this.analysesOfProducts([product.id])).get(product.id);
    if (!analysis || analysis.status !== "FAILED") {
      throw new AnalysisNotRetryableError(`The analysis of product ${product.id} is ${analysis?.status ?? "missing"}; only a FAILED one can be retried.`, {
        status: analysis?.status ?? null,
      });
    }
    const now = new Date();
    Object.assign(analysis, { status: "PENDING", stage: STAGE.received, progress: 0, errorCode: null, errorMessage: null, finishedAt: null, updatedAt: now });
    analysis.stages = [{ stage: STAGE.received, progress: 0, at: now.toISOString() }];
    await this.deps.repository.flush();
    await this.enqueue(analysis.id);
    return product;
  }

  /** A lost enqueue is not lost work: the sweep re-sends analyses left PENDING. */
  private async enqueue(analysisId: string): Promise<void> {
    await this.deps.jobs.enqueue(analysisId).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, analysisId }, "could not queue the analysis now; the sweep will");
    });
  }

  private async assertSourceUrlFree(sourceUrl: string): Promise<void> {
    const existing = await this.deps.repository.findBySourceUrl(sourceUrl);
    if (existing) throw duplicateSourceUrl(sourceUrl, existing.id);
  }

  /** A concurrent upload of the same sourceUrl can win the race past the early check. */
  private async explainInsertFailure(error: unknown, sourceUrl: string): Promise<unknown> {
    if (!(error instanceof UniqueConstraintViolationException)) return error;
    const existing = await this.deps.repository.findBySourceUrl(sourceUrl).catch(() => null);
    return existing ? duplicateSourceUrl(sourceUrl, existing.id) : error;
  }
}

function duplicateSourceUrl(sourceUrl: string, existingProductId: string): DuplicateSourceUrlError {
  return new DuplicateSourceUrlError(`A product with sourceUrl ${sourceUrl} already exists.`, { existingProductId });
}

function checkLimit(limit: number, argument = "limit"): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS) {
    throw new BadUserInputError(`${argument} must be a whole number from 1 to ${MAX_RESULTS}.`, { argument });
  }
  return limit;
}
