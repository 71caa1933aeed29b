import { DomainError } from "../errors.js";

export class DuplicateSourceUrlError extends DomainError {
  readonly code = "DUPLICATE_SOURCE_URL";
}

export class AnalysisNotRetryableError extends DomainError {
  readonly code = "ANALYSIS_NOT_RETRYABLE";
}
