import type { ImportProgress } from "../../imports/import-service.js";
import type { ImportCounts, ImportItemRecord } from "../../imports/import-repository.js";
import type { ImportItemType, ImportProgressType, ProductImportType } from "./import.type.js";

export function importView(counts: ImportCounts): ProductImportType {
  const { importId, createdAt, total, pending, done, skipped, failed } = counts;
  return { id: importId, createdAt, total, pending, done, skipped, failed, finished: pending === 0 };
}

export function importItemView(item: ImportItemRecord): ImportItemType {
  const { index, imageUrl, sourceUrl, externalId, status, attempts, updatedAt, productId } = item;
  const error = item.errorCode ? { code: item.errorCode, message: item.errorMessage ?? "" } : null;
  return { index, imageUrl, sourceUrl, externalId, status, error, attempts, updatedAt, productId };
}

export function importProgressView(progress: ImportProgress): ImportProgressType {
  const { importId, total, pending, done, skipped, failed, finished, item } = progress;
  return { importId, total, pending, done, skipped, failed, finished, item: item ? importItemView(item) : null };
}
