import type { FileUpload } from "graphql-upload-minimal";
import type { IncomingFile } from "../media/image-intake.js";
import { FileTooLargeError, MissingFileError, UploadInterruptedError } from "../media/errors.js";

/**
 * Waits for the file part of a multipart request. The upload library rejects
 * when the map names a file the request does not carry.
 */
export async function awaitUpload(upload: Promise<FileUpload> | FileUpload | null | undefined): Promise<IncomingFile> {
  if (!upload) throw new MissingFileError("No file was uploaded.");
  try {
    const file = await upload;
    return { filename: file.filename || "upload", createReadStream: () => file.createReadStream() };
  } catch (error) {
    const { status, message } = error as { status?: number; message?: string };
    if (status === 413) throw new FileTooLargeError("The file is larger than the upload limit.", {}, { cause: error });
    if (/missing/i.test(message ?? "")) throw new MissingFileError("The request names a file that it does not carry.", {}, { cause: error });
    throw new UploadInterruptedError("The upload did not arrive in full.", {}, { cause: error });
  }
}
