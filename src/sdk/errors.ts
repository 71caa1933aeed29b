/** One entry of a GraphQL response's `errors`; `extensions.code` is stable (see README, Errors). */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string } & Record<string, unknown>;
}

/** The request failed: GraphQL errors in the response, or an answer that is not GraphQL at all. */
export class LookalikeRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status of the response. */
    readonly status: number,
    readonly errors: readonly GraphQLErrorEntry[] = [],
  ) {
    super(message);
    this.name = "LookalikeRequestError";
  }

  /** `extensions.code` of the first error, e.g. DUPLICATE_SOURCE_URL. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** A product's analysis ended FAILED; retry it with RetryAnalysisDocument. */
export class AnalysisFailedError extends Error {
  constructor(
    readonly productId: string,
    /** Stable code, e.g. TAGGER_TIMEOUT (see README, Errors). */
    readonly code: string,
    message: string,
  ) {
    super(`analysis of product ${productId} failed: ${code}: ${message}`);
    this.name = "AnalysisFailedError";
  }
}
