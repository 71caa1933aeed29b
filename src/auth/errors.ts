import { withCode } from "../errors.js";

/** No key where one is required, or a key that is malformed, unknown or revoked. */
export class UnauthenticatedError extends withCode("UNAUTHENTICATED") {}

/** A valid key without the scope the operation needs; details.scope names it. */
export class ForbiddenError extends withCode("FORBIDDEN") {}
