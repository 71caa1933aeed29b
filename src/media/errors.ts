import { DomainError } from "../errors.js";

export class MissingFileError extends DomainError {
  readonly code = "MISSING_FILE";
}

export class EmptyFileError extends DomainError {
  readonly code = "EMPTY_FILE";
}

export class FileTooLargeError extends DomainError {
  readonly code = "FILE_TOO_LARGE";
}

/** The bytes are not an image format we accept, whatever the file is called. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly code = "UNSUPPORTED_MEDIA_TYPE";
}

/** More pixels than allowed: refused from the header, before decoding (decompression bombs). */
export class ImageTooLargeError extends DomainError {
  readonly code = "IMAGE_TOO_LARGE";
}

/** Truncated or corrupt image data. */
export class InvalidImageError extends DomainError {
  readonly code = "INVALID_IMAGE";
}

/** The client went away, or the stream broke, before the whole file arrived. */
export class UploadInterruptedError extends DomainError {
  readonly code = "UPLOAD_INTERRUPTED";
  override readonly transient = true;
}
