import { randomUUID } from "node:crypto";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { DatabaseTimeoutError, DatabaseUnavailableError, isDatabaseOutage, isStatementTimeout } from "../db/errors.js";
import { DomainError } from "../errors.js";
import { fromUploadError } from "./upload.js";

export interface ErrorLogger {
  error(object: object, message?: string): void;
}

export interface ErrorFormatterOptions {
  /** graphql-js's "Did you mean …?" hints; off in production, where they hand the schema back field by field. */
  suggestions: boolean;
}

/**
 * The one place where failures become GraphQL errors. Domain errors keep
 * their message and stable code; a database outage gets its own code; any
 * other error is logged with an error id and hidden behind
 * INTERNAL_SERVER_ERROR and that id, so a report can be matched to the log.
 */
export type GraphQLErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export function createErrorFormatter(logger: ErrorLogger, options: ErrorFormatterOptions = { suggestions: true }): GraphQLErrorFormatter {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    // Refusals before execution (query limits) travel as the originalError of a validation or request error.
    const domain = asDomainError(original) ?? (original instanceof GraphQLError ? asDomainError(original.originalError) : null);
    if (domain) {
      return { ...formatted, message: domain.message, extensions: { ...domain.details, code: domain.code } };
    }
    // Errors raised by GraphQL itself or by Apollo (validation, parsing, CSRF) already carry a code.
    const code = formatted.extensions?.code;
    if (code && code !== "INTERNAL_SERVER_ERROR") {
      return options.suggestions ? formatted : { ...formatted, message: withoutSuggestions(formatted.message) };
    }
    const errorId = randomUUID();
    logger.error({ err: original, path: formatted.path, errorId }, "unexpected error in a GraphQL operation");
    return { ...formatted, message: `Internal server error (error id ${errorId}).`, extensions: { code: "INTERNAL_SERVER_ERROR", errorId } };
  };
}

/**
 * graphql-js appends its hints as a last sentence: ` Did you mean "products" or "product"?`,
 * ` Did you mean the enum value "HYBRID"?`, ` Did you mean to use an inline fragment on "Photo"?`.
 */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, "");
}

function asDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  const upload = fromUploadError(error);
  if (upload) return upload;
  if (isStatementTimeout(error)) {
    return new DatabaseTimeoutError("The request took the database too long and was cancelled; try again, or narrow it.", {}, { cause: error });
  }
  if (isDatabaseOutage(error)) {
    return new DatabaseUnavailableError("The database is unavailable; try again shortly.", {}, { cause: error });
  }
  return null;
}
