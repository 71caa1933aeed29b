import { ConnectionException } from "@mikro-orm/core";
import { withCode } from "../errors.js";

/** A statement ran past DATABASE_STATEMENT_TIMEOUT_MS and PostgreSQL cancelled it (its transaction rolled back). */
export class DatabaseTimeoutError extends withCode("DATABASE_TIMEOUT", { transient: true }) {}

export class DatabaseUnavailableError extends withCode("DATABASE_UNAVAILABLE", { transient: true }) {}

const OUTAGE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03", "08000", "08003", "08006"]);
const OUTAGE_MESSAGES = /Connection terminated|Knex: Timeout acquiring a connection|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** Whether an error means the database cannot be reached, rather than a bad query. */
export function isDatabaseOutage(error: unknown): boolean {
  return causeChain(error).some((current) => {
    if (current instanceof ConnectionException) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    return (typeof code === "string" && OUTAGE_CODES.has(code)) || (typeof message === "string" && OUTAGE_MESSAGES.test(message));
  });
}

/** Whether PostgreSQL cancelled a statement for running past statement_timeout (57014, query_canceled, with that reason). */
export function isStatementTimeout(error: unknown): boolean {
  return causeChain(error).some((current) => {
    const { code, message } = current as { code?: unknown; message?: unknown };
    return code === "57014" && typeof message === "string" && /statement timeout/i.test(message);
  });
}

/** The error and what it wraps (`cause`, or MikroORM's `previous`), at most five deep. */
function causeChain(error: unknown): object[] {
  const chain: object[] = [];
  for (let current = error; current && typeof current === "object" && chain.length < 5; ) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause ?? (current as { previous?: unknown }).previous;
  }
  return chain;
}

/** The embedded PostgreSQL died and would not come back: the process exits so that its own supervisor restarts it. */
export class EmbeddedPostgresLostError extends withCode("EMBEDDED_POSTGRES_LOST") {}
