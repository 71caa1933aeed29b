import type { EntityManager } from "@mikro-orm/postgresql";

/**
 * A read PostgreSQL parses and plans once per pooled connection (a named
 * prepared statement), its values sent apart from its text. The ORM's own
 * `execute` inlines every value into the text, so each distinct request is
 * parsed and planned afresh. Keep such statements free of `x is null or …`
 * switches: after a few runs PostgreSQL may keep one generic plan for every
 * value, and a switch would make it a poor one. Placeholders are `?` (knex
 * numbers them); bind arrays as one literal (db/sql-arrays.ts).
 */
export interface PreparedStatement {
  /** Unique per text: a connection holds one statement per name. */
  readonly name: string;
  readonly text: string;
}

/**
 * The rows of a prepared read, sent through the ORM's pool and knex (so the
 * SQL metrics count it) inside the EntityManager's transaction when it has
 * one. Rows come as the driver parses them under the ORM's type parsers:
 * timestamps as strings, json as objects, arrays as arrays.
 */
export async function preparedRows<Row>(em: EntityManager, statement: PreparedStatement, values: readonly unknown[]): Promise<Row[]> {
  const query = em.getConnection().getKnex().raw(statement.text, [...values] as never[]).options({ name: statement.name });
  const transaction = em.getTransactionContext();
  if (transaction) query.transacting(transaction);
  const result = (await query) as { rows: Row[] };
  return result.rows;
}
