import { GraphQLError, Lexer, Source, TokenKind } from "graphql";
import { queryTooComplex, type QueryTooComplexError } from "./query-too-complex.js";

/**
 * The token limit is graphql-js's own parse option (`maxTokens`): parsing
 * stops at the limit, before a flood is turned into a syntax tree and
 * validated. Its error does not say how many tokens there were, so the
 * refusal counts them here, with the lexer alone (linear, no tree).
 */
const TOKEN_LIMIT_MESSAGE = /Document contains more (?:than|that) (\d+) tokens/; // graphql 16 spells it "more that"

export function isTokenLimitError(error: unknown): boolean {
  return error instanceof GraphQLError && TOKEN_LIMIT_MESSAGE.test(error.message);
}

/** Tokens as graphql-js counts them (comments are not tokens); stops at the first lexical error. */
export function countTokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch {
    // a lexical error: what came before it was counted
  }
  return count;
}

export function tokenLimitRefusal(source: string, maxTokens: number): QueryTooComplexError {
  return queryTooComplex("tokens", maxTokens, countTokens(source));
}
