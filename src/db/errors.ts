import { ConnectionException } from "@mikro-orm/core";
import { withCode } from "../errors.js";

export class DatabaseUnavailableError extends withCode("DATABASE_UNAVAILABLE", { transient: true }) {}

const OUTAGE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03", "08000", "08003", "08006"]);
const OUTAGE_MESSAGES = /Connection terminated|Knex: Timeout acquiring a connection|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** Whether an error means the database cannot be reached, rather than a bad query. */
export function isDatabaseOutage(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof ConnectionException) return true;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && OUTAGE_CODES.has(code)) return true;
    if (typeof message === "string" && OUTAGE_MESSAGES.test(message)) return true;
    current = (current as { cause?: unknown }).cause ?? (current as { previous?: unknown }).previous;
  }
  return false;
}

/** The embedded PostgreSQL died and would not come back: the process exits so that its own supervisor restarts it. */
export class EmbeddedPostgresLostError extends withCode("EMBEDDED_POSTGRES_LOST") {}
