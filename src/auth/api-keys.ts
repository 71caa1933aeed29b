import { BadUserInputError, NotFoundError, withCode } from "../errors.js";
import { generateToken, hashToken, isWellFormedToken, shownPrefix } from "./api-key-token.js";
import type { ApiKeyRecord, ApiKeyStore } from "./api-key-store.js";
import type { AuthMode, RequestAuth } from "./request-auth.js";
import { parseScopes, type Scope } from "./scopes.js";

export class DuplicateApiKeyNameError extends withCode("DUPLICATE_API_KEY_NAME") {}

export interface CreatedApiKey {
  key: ApiKeyRecord;
  /** The only time the token exists outside its holder: it is not stored. */
  token: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME_LENGTH = 100;
const TOUCH_INTERVAL_MS = 60_000;
/**
 * How long a verified key is taken on trust without reading it again. A
 * revocation reaches every process at once by NOTIFY (API_KEY_REVOKED, and
 * this process's own revoke()); this only bounds a notification lost while
 * the listener was reconnecting, which also clears everything held.
 */
const VERIFIED_FOR_MS = 5_000;

/**
 * The rules of API keys, shared by the CLI (src/keys.ts), the admin
 * mutations and the server's authentication; SQL stays in ApiKeyStore.
 */
export class ApiKeys {
  /** When each key's last use was last written, so a busy key does not write on every request. */
  private readonly touchedAt = new Map<string, number>();
  /** Keys verified lately, by token hash: a keyed request then costs no SELECT. Only issued, unrevoked keys. */
  private readonly verified = new Map<string, { key: ApiKeyRecord; until: number }>();

  constructor(
    private readonly store: ApiKeyStore,
    readonly mode: AuthMode,
  ) {}

  /** `trustedDocumentsOnly`: the key may run only persisted documents (src/trusted-documents/). */
  async create(name: string, scopes: string | readonly string[], options: { trustedDocumentsOnly?: boolean } = {}): Promise<CreatedApiKey> {
    const cleanName = parseName(name);
    const parsedScopes: Scope[] = parseScopes(scopes);
    const token = generateToken();
    try {
      const trustedDocumentsOnly = options.trustedDocumentsOnly ?? false;
      const key = await this.store.insert({ name: cleanName, tokenHash: hashToken(token), prefix: shownPrefix(token), scopes: parsedScopes, trustedDocumentsOnly });
      return { key, token };
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DuplicateApiKeyNameError(`A key named "${cleanName}" is in use; revoke it or choose another name.`, { argument: "name" });
      }
      throw error;
    }
  }

  list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyRecord[]> {
    return this.store.list({ includeRevoked: options.includeRevoked ?? false });
  }

  /** By id, or by the name of a key in use. */
  async revoke(idOrName: string): Promise<ApiKeyRecord> {
    const reference = idOrName.trim();
    const id = UUID.test(reference) ? reference : (await this.store.findActiveByName(reference))?.id;
    const revoked = id ? await this.store.revoke(id) : null;
    if (revoked) this.forget(revoked.id);
    if (!revoked) throw new NotFoundError(`No API key has the id or active name "${reference.slice(0, MAX_NAME_LENGTH)}".`, { argument: "id" });
    return revoked;
  }

  /**
   * Verifies the token a request carries (undefined: none sent). Refusing is
   * authorize()'s job. `fresh`: read the key whatever is held (graphql-ws,
   * at every subscribe, where a revocation must count from the next one on).
   */
  async authenticate(token: string | undefined, options: { fresh?: boolean } = {}): Promise<RequestAuth> {
    const anonymous = { mode: this.mode, key: null };
    if (token === undefined) return { ...anonymous, problem: null };
    // Malformed tokens never reach the database.
    if (!isWellFormedToken(token)) return { ...anonymous, problem: "malformed" };
    // An equality lookup on the hash leaks nothing useful through timing: an
    // attacker would need a token whose sha256 shares a prefix with a stored one.
    const hash = hashToken(token);
    const heldAs = hash.toString("hex");
    const held = options.fresh ? undefined : this.verified.get(heldAs);
    const key = held && held.until > Date.now() ? held.key : await this.store.findByHash(hash);
    if (!key) return { ...anonymous, problem: "unknown" };
    if (key.revokedAt) {
      this.verified.delete(heldAs);
      return { ...anonymous, problem: "revoked" };
    }
    if (key !== held?.key) this.verified.set(heldAs, { key, until: Date.now() + VERIFIED_FOR_MS });
    this.recordUse(key.id);
    return { mode: this.mode, key: { id: key.id, name: key.name, scopes: key.scopes, trustedDocumentsOnly: key.trustedDocumentsOnly }, problem: null };
  }

  /** A key revoked (here or by another process): its next request reads it again. */
  forget(id: string): void {
    for (const [hash, held] of this.verified) if (held.key.id === id) this.verified.delete(hash);
  }

  /** Everything held, for when revocations may have been missed (the listener reconnected). */
  forgetAll(): void {
    this.verified.clear();
  }

  private recordUse(id: string): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touchedAt.set(id, now);
    // Best effort: a failed write of the last-used time must not fail the request.
    void this.store.touch(id).catch(() => this.touchedAt.delete(id));
  }
}

function parseName(raw: string): string {
  const name = raw.trim();
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new BadUserInputError(`A key's name is 1 to ${MAX_NAME_LENGTH} printable characters.`, { argument: "name" });
  }
  return name;
}

function isUniqueViolation(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return code === "23505" || name === "UniqueConstraintViolationException";
}
