import type { EntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import type { Embedder } from "../analysis/embedding.js";
import type { AnalysisJobQueue } from "./job-queue.js";
import { DomainError } from "../errors.js";
import type { PhotoStorage } from "../media/storage/photo-storage.js";
import { Photo } from "../catalog/photo.entity.js";
import { VisualIndexBuilder, type VisualIndexSettings } from "../search/visual-index-builder.js";
import { VisualRepository } from "../search/visual-repository.js";

export interface VisualMaintenanceDependencies {
  jobs: AnalysisJobQueue;
  createEntityManager: () => EntityManager;
  storage: PhotoStorage;
  embedder: Embedder;
  index: VisualIndexSettings;
  intervalSeconds: number;
  logger: Logger;
}

const TASK = "visual-maintenance";
const BATCH = 32;
// Backfilling a large catalogue takes long; a worker that died is noticed after this.
const EXPIRE_SECONDS = 6 * 60 * 60;

/**
 * Keeps visual search whole, as a durable background job (one process at a
 * time): embeds every photo that has no vector of the current model (photos
 * stored before embeddings, or under an older model: the backfill), then
 * (re)builds the IVF lists when the catalogue is big enough or has outgrown
 * them. Asked for at start and at every maintenance interval when there is
 * work. Returns the function that stops asking.
 */
export async function startVisualMaintenance(deps: VisualMaintenanceDependencies): Promise<() => Promise<void>> {
  await deps.jobs.defineTask(TASK, EXPIRE_SECONDS, () => maintainVisualSearch(deps));
  // A job only when there is work, told by counts (two index-only scans, 0.25 s at a million photos). Looking for
  // a photo without a vector instead was an anti-join of every photo with every vector: 1.6 s at a million, every
  // interval, on the cores the requests use. A photo has at most one vector and a vector's photo exists (keys),
  // so fewer vectors of the model than photos means some photo lacks one.
  const request = async () => {
    try {
      const em = deps.createEntityManager();
      const status = await new VisualRepository(em, deps.embedder.model).status();
      const pending = status.embedded < status.photos;
      if (pending || new VisualIndexBuilder(em, deps.embedder.model, deps.index).dueFor(status.embedded, status.trainedOn)) await deps.jobs.requestTask(TASK);
    } catch (error) {
      deps.logger.warn({ err: error }, "could not queue visual maintenance");
    }
  };
  await request();
  const timer = setInterval(request, deps.intervalSeconds * 1000);
  timer.unref();
  return async () => clearInterval(timer);
}

export async function maintainVisualSearch(deps: Omit<VisualMaintenanceDependencies, "jobs" | "intervalSeconds">): Promise<void> {
  await backfillEmbeddings(deps);
  const builder = new VisualIndexBuilder(deps.createEntityManager(), deps.embedder.model, deps.index);
  if (await builder.due()) {
    const built = await builder.build();
    deps.logger.info({ model: deps.embedder.model.id, ...built }, "visual index built");
  }
}

/** Embeds photos without a vector of the current model, batch by batch, logging progress; photos that cannot be read are skipped until the next run. */
async function backfillEmbeddings(deps: Omit<VisualMaintenanceDependencies, "jobs" | "intervalSeconds">): Promise<void> {
  const { embedder, storage, logger } = deps;
  const skipped = new Set<string>();
  let embedded = 0;
  for (;;) {
    const em = deps.createEntityManager();
    const visual = new VisualRepository(em, embedder.model);
    const batch = (await visual.photosToEmbed(BATCH + skipped.size)).filter((photo) => !skipped.has(photo.photoId));
    if (batch.length === 0) break;
    const photos = await em.find(Photo, { id: { $in: batch.map((photo) => photo.photoId) } });
    for (const photo of photos) {
      const { mimeType, width, height, sha256 } = photo;
      try {
        const embedding = await embedder.embed({ bytes: await storage.readAll(photo.storageKey), mimeType, width, height, sha256 });
        await visual.saveEmbedding(photo.id, photo.product.id, embedding);
        embedded++;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        skipped.add(photo.id);
        logger.warn({ err: error, photoId: photo.id }, "a photo could not be embedded; skipped until the next run");
      }
    }
    const status = await visual.status();
    logger.info({ model: embedder.model.id, embedded, photos: status.photos, withVector: status.embedded }, "embedding backfill progress");
  }
}
