import type { Logger } from "pino";
import type { PhotoStorage } from "../media/storage/photo-storage.js";
import type { AnalysisJobQueue } from "./job-queue.js";

/** Which of these keys a photo row names (ProductRepository.storedKeysAmong). */
export type ReferencedKeys = (keys: readonly string[]) => Promise<Set<string>>;

export interface StoredPhotoSweepDependencies {
  jobs: AnalysisJobQueue;
  storage: PhotoStorage;
  referencedKeys: ReferencedKeys;
  /** How often a sweep is asked for. */
  intervalSeconds: number;
  /** Photos younger than this are left alone: an upload puts its photo before it writes the row. */
  graceMs: number;
  logger: Logger;
}

const TASK = "stored-photo-sweep";
/** Listing a large bucket takes a while; a worker that died mid-sweep is noticed after this. */
const EXPIRE_SECONDS = 60 * 60;
/** Keys checked against the database per statement. */
const BATCH = 500;

/**
 * Asks, now and at every interval, for a sweep of stored photos that no row
 * names, run as a durable background job in one process at a time. Such
 * photos come from a process that died between putting a photo and writing
 * its row (or, later, between deleting a row and its photo). Returns the
 * function that stops asking.
 */
export async function startStoredPhotoSweep(deps: StoredPhotoSweepDependencies): Promise<() => Promise<void>> {
  await deps.jobs.defineTask(TASK, EXPIRE_SECONDS, async () => {
    const swept = await sweepStoredPhotos(deps.storage, deps.referencedKeys, deps.graceMs);
    if (swept.removed > 0) deps.logger.warn(swept, "removed stored photos that no row names (left by a crash)");
  });
  const request = () => deps.jobs.requestTask(TASK).catch((error: unknown) => deps.logger.warn({ err: error }, "could not queue the stored-photo sweep"));
  await request();
  const timer = setInterval(request, deps.intervalSeconds * 1000);
  timer.unref();
  return async () => clearInterval(timer);
}

/** Removes every stored photo older than the grace period that no row names; says how many it looked at and removed. */
export async function sweepStoredPhotos(storage: PhotoStorage, referencedKeys: ReferencedKeys, graceMs: number): Promise<{ checked: number; removed: number }> {
  const cutoff = Date.now() - graceMs;
  let checked = 0;
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await referencedKeys(batch);
    for (const key of batch) {
      if (referenced.has(key)) continue;
      await storage.remove(key);
      removed++;
    }
    checked += batch.length;
    batch = [];
  };
  for await (const { key, lastModified } of storage.list()) {
    if (lastModified.getTime() > cutoff) continue;
    batch.push(key);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return { checked, removed };
}
