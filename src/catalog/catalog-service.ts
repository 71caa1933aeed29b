import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { analyzeWithDeadline } from "../analysis/analyze-with-deadline.js";
import type { ImageFeatures } from "../analysis/features.js";
import type { Tagger } from "../analysis/tagger.js";
import { flattenTags, tagsForWords } from "../analysis/tags.js";
import { BadUserInputError, NotFoundError } from "../errors.js";
import { receiveImage, type IncomingFile, type IntakeLimits, type ReceivedImage } from "../media/image-intake.js";
import type { LocalImageStorage } from "../media/local-storage.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { DuplicateSourceUrlError } from "./errors.js";
import { Photo } from "./photo.entity.js";
import { Product } from "./product.entity.js";
import type { ProductRepository, ScoredProduct } from "./product-repository.js";
import { parseSourceUrl } from "./source-url.js";
import { parseId } from "./ids.js";

export interface CatalogDependencies {
  repository: ProductRepository;
  storage: LocalImageStorage;
  tagger: Tagger;
  limits: IntakeLimits & { taggerTimeoutMs: number };
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

  async addProduct(rawSourceUrl: string, file: IncomingFile): Promise<Product> {
    const sourceUrl = parseSourceUrl(rawSourceUrl);
    await this.assertSourceUrlFree(sourceUrl);
    const image = await receiveImage(file, this.deps.storage, this.deps.limits);
    try {
      const features = await this.analyze(image);
      const product = new Product(sourceUrl);
      product.tags = flattenTags(features);
      const photo = Object.assign(new Photo(), {
        product,
        storageKey: this.deps.storage.newKey(image.extension),
        mimeType: image.mimeType,
        width: image.width,
        height: image.height,
        byteSize: image.byteSize,
        sha256: image.sha256,
        features,
      });
      await this.deps.storage.commit(image.path, photo.storageKey);
      try {
        await this.deps.repository.insertProductWithPhoto(product, photo);
      } catch (error) {
        await this.deps.storage.remove(photo.storageKey);
        throw await this.explainInsertFailure(error, sourceUrl);
      }
      return product;
    } finally {
      await image.discard();
    }
  }

  /** Analyses a query image (never stored) and ranks products by tag overlap with it. */
  async findSimilarProducts(file: IncomingFile, limit: number): Promise<SimilarProducts> {
    const checkedLimit = checkLimit(limit);
    const image = await receiveImage(file, this.deps.storage, this.deps.limits);
    try {
      const features = await this.analyze(image);
      const tags = flattenTags(features);
      return { features, tags, matches: await this.deps.repository.findByTagOverlap(tags, checkedLimit) };
    } finally {
      await image.discard();
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

  private analyze(image: ReceivedImage): Promise<ImageFeatures> {
    return analyzeWithDeadline(this.deps.tagger, image, this.deps.limits.taggerTimeoutMs);
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
