import type { MikroORM } from "@mikro-orm/postgresql";

/**
 * Records the SQL the ORM sends (parameters already inlined by MikroORM), so
 * the plan we EXPLAIN is that of the very statement production runs, not of a
 * copy of it kept here.
 */
export function recordStatements(orm: MikroORM): { last(): string; stop(): void } {
  const knex = orm.em.getConnection().getKnex();
  let last = "";
  const onQuery = (query: { sql: string }) => {
    last = query.sql;
  };
  knex.on("query", onQuery);
  return {
    last: () => last,
    stop: () => void knex.removeListener("query", onQuery),
  };
}

export const GIN_INDEX = "product_tags_gin";

/** The planner's plan (no ANALYZE: nothing is run), one line per node. */
export async function explainPlan(orm: MikroORM, sql: string): Promise<string[]> {
  const rows = await orm.em.getConnection().execute<{ "QUERY PLAN": string }[]>(`explain ${sql}`);
  return rows.map((row) => row["QUERY PLAN"]);
}
