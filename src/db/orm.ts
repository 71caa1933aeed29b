import { MikroORM, type EntitySchema } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { migrationsList } from "../../migrations/index.js";

export interface OrmOptions {
  url: string;
  poolMax: number;
  log: (message: string) => void;
  /** The entities to map; the caller registers them (db/ imports no domain). */
  entities: readonly EntitySchema[];
  /** PostgreSQL cancels any statement of this pool's connections that runs longer (their statement_timeout); unset or 0: no limit. */
  statementTimeoutMs?: number;
  /** Each statement runs in its own backend only, without parallel workers (REQUEST_SESSION_OPTIONS). */
  serialStatements?: boolean;
  /**
   * Connections, once opened, stay open while the process runs; otherwise one
   * idle for 30 s is closed. Why the requests' pool keeps them: a new
   * connection is a new PostgreSQL backend, and a backend pays a page fault
   * the first time it touches each page of the shared buffers. With gigabytes
   * of buffers that is seconds of CPU per backend (on the bench machine, a
   * fresh backend's first pass over the 866 MB product table took 2.1 s, its
   * next ones 0.4 s). A pool that closes idle connections reopens them when a
   * quieter spell ends, and every reopened one starts cold again.
   */
  keepConnections?: boolean;
  /** How long a connection may stay idle before it is closed (unless kept); 30 s unless given. */
  idleTimeoutMs?: number;
}

/**
 * The session settings of the GraphQL requests' pool: no parallel workers.
 * A request's statements are short and many run at once; a parallel plan
 * starts worker processes per statement and competes with the other requests
 * for the same cores. At a million products, 50 concurrent similarProducts
 * answered about 10% more per second without them (bench/README.md).
 */
export const REQUEST_SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0";

export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: options.url,
    entities: [...options.entities],
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, silent: true, snapshot: false },
    discovery: { warnWhenNoEntities: false },
    // tarn closes idle connections beyond `min` only: with min = max, none is closed once opened (none is opened before it is needed).
    pool: { min: options.keepConnections ? options.poolMax : 0, max: options.poolMax, idleTimeoutMillis: options.idleTimeoutMs ?? 30_000, acquireTimeoutMillis: 10_000 },
    // Fail fast when the server is unreachable, rather than queueing requests for long.
    driverOptions: {
      connection: {
        connectionTimeoutMillis: 5_000,
        ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
        ...(options.serialStatements ? { options: REQUEST_SESSION_OPTIONS } : {}),
      },
    },
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: false,
    logger: options.log,
  });
}

/** Applies pending migrations; run at every start, a no-op when up to date. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}

/** One SQL statement sent through the ORM's connection, once it has answered or failed. */
export interface StatementTiming {
  /** Its first keyword, lower case (select, insert, begin...): a bounded label, never the text. */
  verb: string;
  seconds: number;
  failed: boolean;
}

export interface StatementListener {
  /** When a statement is sent (before it answers). */
  sent?(): void;
  finished?(statement: StatementTiming): void;
}

/**
 * Watches every SQL statement sent through the ORM's connection (for
 * /metrics and tests), from knex's own events: knex tags each query with a
 * uid that its response and its error carry again.
 */
export function watchStatements(orm: MikroORM, listener: StatementListener): void {
  const knex = orm.em.getConnection().getKnex();
  const started = new Map<string, { at: bigint; verb: string }>();
  type QueryEvent = { __knexQueryUid?: string; sql?: string };
  knex.on("query", (query: QueryEvent) => {
    listener.sent?.();
    if (query.__knexQueryUid) started.set(query.__knexQueryUid, { at: process.hrtime.bigint(), verb: verbOf(query.sql) });
  });
  const finish = (query: QueryEvent | undefined, failed: boolean) => {
    const start = query?.__knexQueryUid ? started.get(query.__knexQueryUid) : undefined;
    if (!start) return;
    started.delete(query!.__knexQueryUid!);
    listener.finished?.({ verb: start.verb, seconds: Number(process.hrtime.bigint() - start.at) / 1e9, failed });
  };
  knex.on("query-response", (_response: unknown, query: QueryEvent) => finish(query, false));
  knex.on("query-error", (_error: unknown, query: QueryEvent) => finish(query, true));
}

const VERBS = new Set(["select", "insert", "update", "delete", "with", "begin", "commit", "rollback", "savepoint", "release", "set", "listen", "notify", "copy"]);

function verbOf(sql: string | undefined): string {
  const word = /^\s*([a-z]+)/i.exec(sql ?? "")?.[1]?.toLowerCase() ?? "";
  return VERBS.has(word) ? word : "other";
}

export interface PoolUse {
  /** Connections lent out to a query or transaction. */
  used: number;
  /** Open connections waiting to be lent. */
  idle: number;
  /** Requests waiting for a connection. */
  waiting: number;
  max: number;
}

/** The ORM's connection pool right now (knex's tarn pool); null while knex has none. */
export function poolUse(orm: MikroORM): PoolUse | null {
  const pool = orm.em.getConnection().getKnex().client.pool;
  if (!pool) return null;
  return { used: pool.numUsed(), idle: pool.numFree(), waiting: pool.numPendingAcquires(), max: pool.max };
}

/** Migrations this code has that the database has not run (one small query on MikroORM's migrations table). */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((migration) => migration.name);
}
