import type { FileUpload } from "graphql-upload-minimal";
import type { DomainError } from "../errors.js";
import type { IncomingFile } from "../media/image-intake.js";
import { FileTooLargeError, MissingFileError, UploadInterruptedError } from "../media/errors.js";

/** The upload as media intake sees it. type-graphql has already awaited the upload promise. */
export function toIncomingFile(file: FileUpload | null | undefined): IncomingFile {
  if (!file) throw new MissingFileError("No file was uploaded.");
  return { filename: file.filename || "upload", createReadStream: () => file.createReadStream() };
}

/**
 * The upload library rejects an upload with an HTTP-style error (it has a
 * status) when the request names a file it does not carry, or breaks off.
 */
export function fromUploadError(error: unknown): DomainError | null {
  const { status, name } = (error ?? {}) as { status?: unknown; name?: unknown };
  if (typeof status !== "number" || typeof name !== "string" || !name.endsWith("Error")) return null;
  const options = { cause: error };
  if (status === 413) return new FileTooLargeError("The file is larger than the upload limit.", {}, options);
  if (status === 400) return new MissingFileError("The request names a file that it does not carry.", {}, options);
  if (status === 499) return new UploadInterruptedError("The upload did not arrive in full.", {}, options);
  return null;
}
