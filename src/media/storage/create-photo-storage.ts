import path from "node:path";
import type { Config } from "../../config.js";
import { LocalPhotoStorage } from "./local-photo-storage.js";
import type { PhotoStorage } from "./photo-storage.js";
import { S3PhotoStorage } from "./s3-photo-storage.js";

/** The storage the settings ask for (not yet checked: call init()). */
export function createPhotoStorage(config: Pick<Config, "storage" | "media">): PhotoStorage {
  if (config.storage.kind === "s3" && config.storage.s3) return new S3PhotoStorage(config.storage.s3);
  return new LocalPhotoStorage(config.media.uploadsDir);
}

/** The scratch folder's name: a dot folder, which local storage never lists or serves (keys have no dot segment). */
export const INCOMING_DIR = ".incoming";

/** Where uploads are checked before they are stored: a dot folder of the uploads directory, which local storage never lists or serves. */
export function incomingDirOf(config: Pick<Config, "media">): string {
  return path.join(config.media.uploadsDir, INCOMING_DIR);
}
