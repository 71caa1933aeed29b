import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Logger } from "pino";
import { TaggerUnavailableError } from "../analysis/errors.js";
import { STAGE } from "../analysis/progress.js";
import type { Tagger } from "../analysis/tagger.js";
import type { EventBus } from "../jobs/event-bus.js";
import { topics } from "../jobs/analysis-events.js";
import { BadUserInputError, NotFoundError } from "../errors.js";
import { receiveImage, type IncomingFile, type IntakeLimits, type ReceivedImage } from "../media/image-intake.js";
import type { IncomingFiles } from "../media/incoming-files.js";
import { newPhotoKey } from "../media/storage/photo-key.js";
import type { PhotoStorage } from "../media/storage/photo-storage.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { Analysis } from "./analysis.entity.js";
import { AnalysisNotRetryableError, LastPhotoError, DuplicateExternalIdError, DuplicateImageError, DuplicateSourceUrlError } from "./errors.js";
import { parseProductChange, parseProductDetails, type ProductChangeInput, type ProductDetails, type ProductDetailsInput } from "./product-details.js";
import { Photo } from "./photo.entity.js";
import { Product } from "./product.entity.js";
import type { NearDuplicate, ProductRepository } from "./product-repository.js";
import { parseSourceUrl } from "./source-url.js";
import type { PhotoFeaturesRepository } from "./photo-features-repository.js";
import { parseId } from "./ids.js";
import type { CatalogReads } from "./catalog-reads.js";

export interface CatalogDependencies {
  repository: ProductRepository;
  /** What queries answer from: untracked, prepared reads. */
  reads: CatalogReads;
  /** Writes of a photo's analysis results, and removals that change them. */
  features: PhotoFeaturesRepository;
  storage: PhotoStorage;
  incoming: IncomingFiles;
  tagger: Tagger;
  limits: IntakeLimits & { taggerTimeoutMs: number };
  jobs: { enqueue(analysisId: string): Promise<void>; cancel(analysisIds: readonly string[]): Promise<void> };
  bus: EventBus;
  logger: Pick<Logger, "warn">;
  /** Photos whose perceptual hashes differ in at most this many bits are near duplicates. */
  nearDuplicateMaxDistance: number;
}

/** The largest page of products. */
export const MAX_PAGE = 100;

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
   * its analysis PENDING. The photo is checked in a local scratch file, put
   * into storage, and only then are the rows written; rows that cannot be
   * written take the stored photo away again, so storage and rows agree.
   */
  async addProduct(rawSourceUrl: string, file: IncomingFile, detailsInput: ProductDetailsInput = {}): Promise<Product> {
    const sourceUrl = parseSourceUrl(rawSourceUrl);
    const details = parseProductDetails(detailsInput);
    this.assertTaggerConfigured();
    await this.assertSourceUrlFree(sourceUrl);
    await this.assertExternalIdFree(details.externalId);
    const image = await this.receive(file);
    try {
      return (await this.addReceivedProduct(sourceUrl, details, image)).product;
    } finally {
      await image.discard();
    }
  }

  /** Checks an image the way every upload is checked (size, format, pixels, hashes), into a scratch file the caller discards. */
  receive(file: IncomingFile): Promise<ReceivedImage> {
    return receiveImage(file, this.deps.incoming, this.deps.limits);
  }

  /** addProduct for an image already received (an import's fetched image): the product, and the analysis queued for its photo. */
  async addReceivedProduct(sourceUrl: string, details: ProductDetails, image: ReceivedImage): Promise<{ product: Product; analysisId: string }> {
    this.assertTaggerConfigured();
    const product = Object.assign(new Product(sourceUrl), details);
    const { analysisId } = await this.storeReceived(product, image, (error) => this.explainInsertFailure(error, sourceUrl, image.sha256, details));
    return { product, analysisId };
  }

  /** addPhoto for an image already received: the photo, and the analysis queued for it. */
  async addReceivedPhoto(product: Product, image: ReceivedImage): Promise<{ photo: Photo; analysisId: string }> {
    this.assertTaggerConfigured();
    return this.storeReceived(product, image, (error) => this.explainPhotoInsertFailure(error, image.sha256));
  }

  /**
   * Adds another photo to a product: stored and analysed like the first; the
   * product's tags, caption and vectors then follow all its photos.
   */
  async addPhoto(productId: string, file: IncomingFile): Promise<Photo> {
    const product = await this.product(productId);
    this.assertTaggerConfigured();
    const image = await this.receive(file);
    try {
      return (await this.addReceivedPhoto(product, image)).photo;
    } finally {
      await image.discard();
    }
  }

  /**
   * Removes one of a product's photos: its rows (the product's tags and
   * caption then follow the photos left), its queued analysis, then its
   * stored file (the stored-photo sweep catches a crash in between). A
   * product's last photo cannot be removed (LAST_PHOTO): delete the product.
   */
  async removePhoto(photoId: string): Promise<Product> {
    const id = parseId(photoId, "photo");
    const removed = await this.deps.features.removePhoto(id);
    if (removed === null) throw new NotFoundError(`No photo has the id ${photoId}.`, { id: photoId });
    if (removed === "last") throw new LastPhotoError("This is the product's only photo; delete the product instead.", { photoId });
    await this.deps.jobs.cancel(removed.analysisIds).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, photoId }, "could not drop the removed photo's queued analysis; it will find the photo gone");
    });
    await this.deps.storage.remove(removed.storageKey).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, photoId }, "could not remove the photo's file now; the stored-photo sweep will");
    });
    return this.product(removed.productId);
  }

  /**
   * Puts a checked image into storage, writes its rows (the product's too
   * when it is new) and queues its analysis. Rows that cannot be written
   * take the stored photo away again, so storage and rows agree; the failure
   * is explained by `explain` (a race past the early checks).
   */
  private async storeReceived(product: Product, image: ReceivedImage, explain: (error: unknown) => Promise<unknown>): Promise<{ photo: Photo; analysisId: string }> {
    await this.assertImageNew(image.sha256);
    const photo = Object.assign(new Photo(), {
      product,
      storageKey: newPhotoKey(image.extension),
      mimeType: image.mimeType,
      width: image.width,
      height: image.height,
      byteSize: image.byteSize,
      sha256: image.sha256,
      perceptualHash: image.perceptualHash,
    });
    const analysis = Object.assign(new Analysis(), { product, photo });
    analysis.stages = [{ stage: STAGE.received, progress: 0, at: analysis.createdAt.toISOString() }];
    await this.deps.storage.put(photo.storageKey, image.path, image.mimeType);
    try {
      await this.deps.repository.insertPhoto(photo, analysis);
    } catch (error) {
      await this.deps.storage.remove(photo.storageKey);
      throw await explain(error);
    }
    await this.enqueue(analysis.id);
    return { photo, analysisId: analysis.id };
  }

  async product(id: string): Promise<Product> {
    const product = await this.deps.repository.findById(parseId(id, "product"));
    if (!product) throw new NotFoundError(`No product has the id ${id}.`, { id });
    return product;
  }

  /**
   * Products to answer with, in one read (DataLoader batch), each as
   * `product` would answer it: BAD_USER_INPUT for a malformed id, NOT_FOUND
   * for an unknown one. Untracked: a change loads its product with `product`.
   */
  async readProducts(ids: readonly string[]): Promise<Array<Product | Error>> {
    const parsed = ids.map((id) => {
      try {
        return parseId(id, "product");
      } catch (error) {
        return error as Error;
      }
    });
    const found = await this.deps.reads.productsByIds(parsed.filter((id): id is string => typeof id === "string"));
    return parsed.map((id, index) => (typeof id !== "string" ? id : (found.get(id) ?? new NotFoundError(`No product has the id ${ids[index]}.`, { id: ids[index] }))));
  }

  async productByExternalId(externalId: string): Promise<Product> {
    const product = await this.deps.repository.findByExternalId(externalId);
    if (!product) throw new NotFoundError(`No product has the externalId ${externalId}.`, { externalId });
    return product;
  }

  async photo(id: string): Promise<Photo> {
    const photo = await this.deps.repository.findPhotoById(parseId(id, "photo"));
    if (!photo) throw new NotFoundError(`No photo has the id ${id}.`, { id });
    return photo;
  }

  async products(first: number, after: string | null): Promise<ProductPage> {
    const page = await this.deps.reads.pageNewestFirst(checkPageSize(first), after ? decodeCursor(after) : null);
    const last = page.products.at(-1);
    return { ...page, endCursor: last ? encodeCursor(last) : null };
  }

  photosOfProducts(productIds: readonly string[]): Promise<Map<string, Photo[]>> {
    return this.deps.reads.photosByProductIds(productIds);
  }

  /** Per photo, the other photos that look the same, closest first (DataLoader batch). */
  nearDuplicatesOfPhotos(photoIds: readonly string[]): Promise<Map<string, NearDuplicate[]>> {
    return this.deps.repository.nearDuplicatesByPhotoIds(photoIds, this.deps.nearDuplicateMaxDistance);
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
    await this.restart(analysis);
    return product;
  }

  /**
   * The analysis of a photo already stored (an import that brings the same
   * bytes again), started again first when it had FAILED; null when the
   * photo has none (removed meanwhile).
   */
  async analysisOfStoredPhoto(photoId: string): Promise<Analysis | null> {
    const analysis = await this.deps.repository.analysisOfPhoto(photoId);
    if (analysis?.status === "FAILED") await this.restart(analysis);
    return analysis;
  }

  private async restart(analysis: Analysis): Promise<void> {
    const now = new Date();
    Object.assign(analysis, { status: "PENDING", stage: STAGE.received, progress: 0, errorCode: null, errorMessage: null, finishedAt: null, updatedAt: now });
    analysis.stages = [{ stage: STAGE.received, progress: 0, at: now.toISOString() }];
    await this.deps.repository.flush();
    await this.enqueue(analysis.id);
  }

  /**
   * Changes a product's page, SKU, title or attributes (the search document
   * follows by trigger). A sourceUrl or externalId another product has gets
   * the codes addProduct gives; nothing is changed then.
   */
  async updateProduct(id: string, input: ProductChangeInput): Promise<Product> {
    const product = await this.product(id);
    const change = parseProductChange(input, parseSourceUrl);
    if (change.sourceUrl !== undefined && change.sourceUrl !== product.sourceUrl) await this.assertSourceUrlFree(change.sourceUrl);
    if (change.externalId !== undefined && change.externalId !== product.externalId) await this.assertExternalIdFree(change.externalId);
    Object.assign(product, change);
    try {
      await this.deps.repository.flush();
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      // A concurrent change won the race past the checks above: explain it as they would have.
      await this.assertSourceUrlFree(product.sourceUrl, product.id);
      await this.assertExternalIdFree(product.externalId, product.id);
      throw error;
    }
    return product;
  }

  /**
   * Removes a product: its rows at once (one statement), then its queued
   * analyses and its stored photos, and tells subscribers. A process that
   * dies before its photos are removed leaves them to the stored-photo sweep
   * (jobs/stored-photo-sweep.ts); a job already running finds no analysis.
   */
  async deleteProduct(id: string): Promise<string> {
    const productId = parseId(id, "product");
    const removed = await this.deps.repository.deleteProduct(productId);
    if (!removed) throw new NotFoundError(`No product has the id ${id}.`, { id });
    await this.deps.jobs.cancel(removed.analysisIds).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, productId }, "could not drop the deleted product's queued analyses; they will find it gone");
    });
    for (const key of removed.storageKeys) {
      await this.deps.storage.remove(key).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, productId, key }, "could not remove a deleted product's photo now; the stored-photo sweep will");
      });
    }
    await this.deps.bus.publish(topics.productRemoved, { productId });
    return productId;
  }

  /** A lost enqueue is not lost work: the sweep re-sends analyses left PENDING. */
  private async enqueue(analysisId: string): Promise<void> {
    await this.deps.jobs.enqueue(analysisId).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, analysisId }, "could not queue the analysis now; the sweep will");
    });
  }

  assertTaggerConfigured(): void {
    if (!this.deps.tagger.configured) {
      throw new TaggerUnavailableError("No image tagger is configured (TAGGER=none), so no photo can be analysed.");
    }
  }

  private async explainPhotoInsertFailure(error: unknown, sha256: string): Promise<unknown> {
    if (!(error instanceof UniqueConstraintViolationException)) return error;
    return this.assertImageNew(sha256).then(() => error, (duplicate: unknown) => duplicate);
  }

  private async assertExternalIdFree(externalId: string | null, except: string | null = null): Promise<void> {
    if (externalId === null) return;
    const existing = await this.deps.repository.findByExternalId(externalId);
    if (existing && existing.id !== except) throw new DuplicateExternalIdError(`A product with externalId ${externalId} already exists.`, { existingProductId: existing.id });
  }

  private async assertSourceUrlFree(sourceUrl: string, except: string | null = null): Promise<void> {
    const existing = await this.deps.repository.findBySourceUrl(sourceUrl);
    if (existing && existing.id !== except) throw duplicateSourceUrl(sourceUrl, existing.id);
  }

  /** The same file is never stored twice, whatever it is called and wherever it comes from. */
  private async assertImageNew(sha256: string): Promise<void> {
    const existing = await this.deps.repository.findPhotoBySha256(sha256);
    if (existing) {
      throw new DuplicateImageError(
        `This image is already in the catalogue: photo ${existing.id} of product ${existing.product.id} has the same bytes (sha256 ${sha256}).`,
        { existingProductId: existing.product.id, existingPhotoId: existing.id },
      );
    }
  }

  /**
   * A concurrent upload of the same sourceUrl or the same file can win the
   * race past the early checks: its unique violation is explained by running
   * them again. Any other failure, or one they cannot explain, stays as it is.
   */
  private async explainInsertFailure(error: unknown, sourceUrl: string, sha256: string, details: ProductDetails): Promise<unknown> {
    if (!(error instanceof UniqueConstraintViolationException)) return error;
    try {
      await this.assertSourceUrlFree(sourceUrl);
      await this.assertExternalIdFree(details.externalId);
      await this.assertImageNew(sha256);
    } catch (duplicate) {
      if (duplicate instanceof DuplicateSourceUrlError || duplicate instanceof DuplicateExternalIdError || duplicate instanceof DuplicateImageError) return duplicate;
    }
    return error;
  }
}

function duplicateSourceUrl(sourceUrl: string, existingProductId: string): DuplicateSourceUrlError {
  return new DuplicateSourceUrlError(`A product with sourceUrl ${sourceUrl} already exists.`, { existingProductId });
}

function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw new BadUserInputError(`first must be a whole number from 1 to ${MAX_PAGE}.`, { argument: "first" });
  }
  return first;
}
