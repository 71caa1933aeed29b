import { GraphQLError } from "graphql";
import { ForbiddenError, UnauthenticatedError } from "../../auth/errors.js";

/**
 * An auth refusal as a GraphQL request error: no data, the stable code, and
 * the HTTP status (401 with WWW-Authenticate, or 403) that Apollo sends and
 * then strips from the extensions.
 */
export function toRefusal(error: unknown): GraphQLError | null {
  if (!(error instanceof UnauthenticatedError) && !(error instanceof ForbiddenError)) return null;
  const unauthenticated = error instanceof UnauthenticatedError;
  return new GraphQLError(error.message, {
    originalError: error,
    extensions: {
      ...error.details,
      code: error.code,
      http: unauthenticated ? { status: 401, headers: new Map([["www-authenticate", 'Bearer realm="lookalike"']]) } : { status: 403 },
    },
  });
}
