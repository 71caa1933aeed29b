import { createHash, randomBytes } from "node:crypto";

/**
 * A token is "lk_" and 32 random bytes in base64url (256 bits). The prefix
 * makes a leaked token recognisable to people and to secret scanners.
 * Only its sha256 is stored: a token that random cannot be guessed from its
 * hash, so no slow password hash is needed, and finding a key is one indexed
 * lookup by hash.
 */
export const TOKEN_PREFIX = "lk_";
const SECRET_BYTES = 32;
const TOKEN_PATTERN = /^lk_[A-Za-z0-9_-]{43}$/;
/** How much of a token a list shows: the prefix and 8 characters, 48 of its 256 bits. */
const SHOWN_LENGTH = TOKEN_PREFIX.length + 8;

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
}

export function isWellFormedToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** The start of a token, safe to show in a list of keys. */
export function shownPrefix(token: string): string {
  return token.slice(0, SHOWN_LENGTH);
}
