import { withCode } from "../errors.js";

export class DuplicateSourceUrlError extends withCode("DUPLICATE_SOURCE_URL") {}

export class AnalysisNotRetryableError extends withCode("ANALYSIS_NOT_RETRYABLE") {}
