/**
 * The base of every error a user may see. Each concern defines its own
 * subclasses; graphql/errors.ts maps them, once, to GraphQL errors whose
 * `extensions.code` is the stable `code` below.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Safe to show to the client, next to the code. */
  readonly details: Record<string, unknown>;
  /** Whether trying again later may succeed (timeouts, rate limits, outages). */
  readonly transient: boolean = false;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The base of a DomainError with a fixed code: `class NotFoundError extends withCode("NOT_FOUND") {}`. */
export function withCode(code: string, options: { transient?: boolean } = {}) {
  return class extends DomainError {
    readonly code = code;
    override readonly transient = options.transient ?? false;
  };
}

/** An argument that is malformed or out of range. */
export class BadUserInputError extends withCode("BAD_USER_INPUT") {}

export class NotFoundError extends withCode("NOT_FOUND") {}
