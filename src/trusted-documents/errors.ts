import { withCode } from "../errors.js";

/** The key (or, with TRUSTED_DOCUMENTS=all, every caller) may run only persisted documents, and sent query text. */
export class PersistedDocumentRequiredError extends withCode("PERSISTED_DOCUMENT_REQUIRED") {}

/** A persisted-document hash the manifest does not hold: a frontend built from operations this server does not know. */
export class PersistedDocumentNotFoundError extends withCode("PERSISTED_DOCUMENT_NOT_FOUND") {}
