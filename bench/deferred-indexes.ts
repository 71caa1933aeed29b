import type pg from "pg";

interface IndexDefinition {
  name: string;
  /** Re-creates the index (or the constraint it backs) under the same name. */
  statement: string;
}

/**
 * Drops a table's indexes (primary key and unique constraints included) and
 * returns what re-creates them. Building an index once over loaded rows is
 * much cheaper than updating it row by row. The definitions are read from
 * the catalog, so the indexes come back exactly as the migrations made them,
 * names included.
 */
export async function dropIndexes(
  client: pg.Client,
  table: string,
  only: readonly string[] | null = null,
): Promise<{ names: string[]; rebuild(): Promise<void> }> {
  const { rows } = await client.query<{ name: string; constraint_definition: string | null; index_definition: string }>(
    `select i.relname as name, pg_get_constraintdef(c.oid) as constraint_definition, pg_get_indexdef(i.oid) as index_definition
     from pg_index x
     join pg_class i on i.oid = x.indexrelid
     left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = x.indrelid and c.contype in ('p', 'u', 'x')
     where x.indrelid = $1::regclass and ($2::text[] is null or i.relname = any($2::text[]))
     order by i.relname`,
    [table, only],
  );
  const target = client.escapeIdentifier(table);
  const definitions: IndexDefinition[] = rows.map((row) => {
    const name = client.escapeIdentifier(row.name);
    return row.constraint_definition
      ? { name: row.name, statement: `alter table ${target} add constraint ${name} ${row.constraint_definition}` }
      : { name: row.name, statement: row.index_definition };
  });
  for (const row of rows) {
    const name = client.escapeIdentifier(row.name);
    await client.query(row.constraint_definition ? `alter table ${target} drop constraint ${name}` : `drop index ${name}`);
  }
  return {
    names: definitions.map((definition) => definition.name),
    rebuild: async () => {
      for (const definition of definitions) await client.query(definition.statement);
    },
  };
}
