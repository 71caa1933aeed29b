import type { PhotoStorage } from "./photo-storage.js";

/** Where the API serves stored photos itself (PHOTO_URLS=app). */
export const PHOTO_ROUTE = "/uploads";

export type PhotoUrlMode = "app" | "presigned";

/**
 * The URL a client fetches a photo from. "app": the API streams it (with
 * ETag, Range and a year of caching: a key never changes), which suits a CDN
 * in front of the API. "presigned": a short-lived URL straight to object
 * storage, so photo bytes never pass through the API; a CDN cannot cache
 * those URLs well (each one differs and expires).
 */
export class PhotoUrls {
  constructor(
    private readonly storage: PhotoStorage,
    private readonly mode: PhotoUrlMode,
    private readonly presignedSeconds: number,
  ) {}

  async urlOf(storageKey: string, publicUrl: string): Promise<string> {
    if (this.mode === "presigned") {
      const signed = await this.storage.presignedUrl(storageKey, this.presignedSeconds);
      if (signed) return signed;
    }
    return `${publicUrl}${PHOTO_ROUTE}/${storageKey}`;
  }
}
