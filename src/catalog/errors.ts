import { DomainError } from "../errors.js";

export class DuplicateSourceUrlError extends DomainError {
  readonly code = "DUPLICATE_SOURCE_URL";
}
