import type { Logger } from "pino";
import type { CatalogService } from "../catalog/catalog-service.js";
import type { Product } from "../catalog/product.entity.js";
import type { ProductRepository } from "../catalog/product-repository.js";
import { DuplicateSourceUrlError } from "../catalog/errors.js";
import { DomainError } from "../errors.js";
import type { IncomingFiles } from "../media/incoming-files.js";
import type { ReceivedImage } from "../media/image-intake.js";
import type { RemoteImageSource } from "../media/remote/remote-image-source.js";
import type { JobAttempt } from "../jobs/job-queue.js";
import type { ImportItemRecord, ImportRepository, ItemOutcome } from "./import-repository.js";

/** The queue of import items: one job per item. */
export const IMPORT_ITEM_QUEUE = "import-item";

/** Runs of one item's job, retries and re-sends included, before the item is given up. */
const MAX_RUNS = 6;

/**
 * How the queue runs item jobs: a fetch that failed in a way worth retrying
 * (a timeout, a 503) is tried again with backoff; a job still active past
 * the fetch deadline and the intake has lost its worker.
 */
export function importQueueOptions(fetchTimeoutMs: number) {
  return { retryLimit: 3, retryDelaySeconds: 5, expireInSeconds: Math.ceil(fetchTimeoutMs / 1000) + 120 };
}

export interface ImportItemJobData {
  importId: string;
  index: number;
}

/** What one run of an item's job works with, over one EntityManager. */
export interface ImportItemScope {
  imports: ImportRepository;
  products: ProductRepository;
  catalog: CatalogService;
}

export interface ImportItemJobDependencies {
  createScope: () => ImportItemScope;
  fetcher: RemoteImageSource;
  incoming: IncomingFiles;
  logger: Pick<Logger, "warn">;
}

/**
 * One item of an import, as a durable job: fetch the image (safely, see
 * media/remote/), check it like an upload, then create the product, or
 * update the product the item names (its externalId, else its sourceUrl).
 * Bytes the product already has are not analysed again (SKIPPED); new bytes
 * are stored and analysed, and replace the photo an earlier import stored.
 * The item then waits on the analysis, which settles it (DONE or FAILED) by
 * trigger, in the analysis's own transaction.
 *
 * A run that dies part way is run again by the queue: the product written
 * before the crash is found by its ids, its photo by its bytes, and the item
 * is linked to that photo's analysis, so nothing is written twice.
 */
export class ImportItemJob {
  constructor(private readonly deps: ImportItemJobDependencies) {}

  async run({ importId, index }: ImportItemJobData, attempt: JobAttempt): Promise<void> {
    const scope = this.deps.createScope();
    const item = await scope.imports.claim(importId, index);
    if (!item) return; // settled meanwhile, or sent twice
    if (item.attempts > MAX_RUNS) {
      // Each run died without settling (a crash, or a lost worker): this item is not tried for ever.
      const message = `The item was given up after ${MAX_RUNS} runs that did not finish.`;
      await scope.imports.settle(importId, index, { status: "FAILED", code: "INTERNAL_SERVER_ERROR", message });
      return;
    }
    let outcome: ItemOutcome;
    try {
      outcome = await this.bringIn(item, scope);
    } catch (error) {
      const domain = error instanceof DomainError ? error : null;
      if ((domain?.transient ?? true) && attempt.retryCount < attempt.retryLimit) throw error; // the queue retries, with backoff
      if (!domain) this.deps.logger.warn({ err: error, importId, index }, "an import item failed unexpectedly");
      outcome = { status: "FAILED", code: domain?.code ?? "INTERNAL_SERVER_ERROR", message: domain?.message ?? "The item could not be imported." };
    }
    await scope.imports.settle(importId, index, outcome);
  }

  private async bringIn(item: ImportItemRecord, scope: ImportItemScope): Promise<ItemOutcome> {
    scope.catalog.assertTaggerConfigured();
    const fetched = await this.deps.fetcher.fetchTo(item.imageUrl, this.deps.incoming.newPath());
    let image: ReceivedImage;
    try {
      image = await scope.catalog.receive(fetched);
    } finally {
      await fetched.discard();
    }
    try {
      const known = await this.productNamed(item, scope.products);
      if (!known) {
        const details = { externalId: item.externalId, title: item.title, attributes: item.attributes ?? {} };
        const { product, analysisId } = await scope.catalog.addReceivedProduct(item.sourceUrl, details, image);
        return { status: "ANALYSING", productId: product.id, analysisId };
      }
      // The photo first: an item refused for its image (DUPLICATE_IMAGE) changes nothing of the product.
      const outcome = await this.refreshPhoto(known, image, scope);
      await scope.catalog.updateProduct(known.id, changeOf(item));
      return outcome;
    } finally {
      await image.discard();
    }
  }

  /**
   * The product an item names: by its externalId, else by its sourceUrl. A
   * sourceUrl that belongs to another product than the externalId's, or to
   * a product with another externalId, is a conflict the shop must resolve.
   */
  private async productNamed(item: ImportItemRecord, products: ProductRepository): Promise<Product | null> {
    const bySku = item.externalId === null ? null : await products.findByExternalId(item.externalId);
    const byPage = await products.findBySourceUrl(item.sourceUrl);
    const conflict = byPage && ((bySku && byPage.id !== bySku.id) || (!bySku && byPage.externalId !== null && item.externalId !== null));
    if (conflict) {
      throw new DuplicateSourceUrlError(`A product with sourceUrl ${item.sourceUrl} already exists, with another externalId.`, {
        existingProductId: byPage.id,
      });
    }
    return bySku ?? byPage;
  }

  /** Unchanged bytes: the photo's analysis decides (SKIPPED when READY). New bytes: a new photo, replacing what earlier imports stored. */
  private async refreshPhoto(product: Product, image: ReceivedImage, scope: ImportItemScope): Promise<ItemOutcome> {
    const same = (await scope.catalog.photosOfProducts([product.id])).get(product.id)?.find((photo) => photo.sha256 === image.sha256);
    if (same) {
      const analysis = await scope.catalog.analysisOfStoredPhoto(same.id);
      if (analysis?.status === "READY") return { status: "SKIPPED", productId: product.id };
      if (analysis) return { status: "ANALYSING", productId: product.id, analysisId: analysis.id };
    }
    const { photo, analysisId } = await scope.catalog.addReceivedPhoto(product, image);
    for (const replaced of await scope.imports.photosImportedFor(product.id, photo.id)) {
      await scope.catalog.removePhoto(replaced).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, productId: product.id, photoId: replaced }, "could not remove the photo a newer import replaced");
      });
    }
    return { status: "ANALYSING", productId: product.id, analysisId };
  }
}

/** The fields an item gives, as a change: those it leaves out (null) stay as the product has them. */
function changeOf(item: ImportItemRecord) {
  return {
    sourceUrl: item.sourceUrl,
    ...(item.externalId === null ? {} : { externalId: item.externalId }),
    ...(item.title === null ? {} : { title: item.title }),
    ...(item.attributes === null ? {} : { attributes: Object.entries(item.attributes).map(([name, value]) => ({ name, value })) }),
  };
}
