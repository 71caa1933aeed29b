import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { DatabaseUnavailableError, isDatabaseOutage } from "../db/errors.js";
import { DomainError } from "../errors.js";
import { fromUploadError } from "./upload.js";

export interface ErrorLogger {
  error(object: object, message?: string): void;
}

/**
 * The one place where failures become GraphQL errors. Domain errors keep
 * their message and stable code; a database outage gets its own code; any
 * other error is logged and hidden behind INTERNAL_SERVER_ERROR.
 */
export type GraphQLErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export function createErrorFormatter(logger: ErrorLogger): GraphQLErrorFormatter {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const domain = asDomainError(original);
    if (domain) {
      return { ...formatted, message: domain.message, extensions: { ...domain.details, code: domain.code } };
    }
    // Errors raised by GraphQL itself or by Apollo (validation, parsing, CSRF) already carry a code.
    const code = formatted.extensions?.code;
    if (code && code !== "INTERNAL_SERVER_ERROR") return formatted;
    logger.error({ err: original, path: formatted.path }, "unexpected error in a GraphQL operation");
    return { ...formatted, message: "Internal server error.", extensions: { code: "INTERNAL_SERVER_ERROR" } };
  };
}

function asDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  const upload = fromUploadError(error);
  if (upload) return upload;
  if (isDatabaseOutage(error)) {
    return new DatabaseUnavailableError("The database is unavailable; try again shortly.", {}, { cause: error });
  }
  return null;
}
