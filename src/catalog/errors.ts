import { withCode } from "../errors.js";

export class DuplicateSourceUrlError extends withCode("DUPLICATE_SOURCE_URL") {}

/** Another product has this externalId (the shop's SKU). */
export class DuplicateExternalIdError extends withCode("DUPLICATE_EXTERNAL_ID") {}

/** The same bytes (sha256) as a photo already stored. */
export class DuplicateImageError extends withCode("DUPLICATE_IMAGE") {}

/** removePhoto of a product's only photo: delete the product instead. */
export class LastPhotoError extends withCode("LAST_PHOTO") {}

export class AnalysisNotRetryableError extends withCode("ANALYSIS_NOT_RETRYABLE") {}
