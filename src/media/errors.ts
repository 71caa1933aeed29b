import { withCode } from "../errors.js";

export class MissingFileError extends withCode("MISSING_FILE") {}

export class EmptyFileError extends withCode("EMPTY_FILE") {}

export class FileTooLargeError extends withCode("FILE_TOO_LARGE") {}

/** The bytes are not an image format we accept, whatever the file is called. */
export class UnsupportedMediaTypeError extends withCode("UNSUPPORTED_MEDIA_TYPE") {}

/** More pixels than allowed: refused from the header, before decoding (decompression bombs). */
export class ImageTooLargeError extends withCode("IMAGE_TOO_LARGE") {}

/** Truncated or corrupt image data. */
export class InvalidImageError extends withCode("INVALID_IMAGE") {}

/** The client went away, or the stream broke, before the whole file arrived. */
export class UploadInterruptedError extends withCode("UPLOAD_INTERRUPTED", { transient: true }) {}
