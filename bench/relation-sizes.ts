import type pg from "pg";

export interface RelationSize {
  name: string;
  /** The table an index belongs to; null for a table. */
  table: string | null;
  /** For a table: its heap with TOAST, free space and visibility maps; for an index: the index. */
  bytes: number;
}

/** The tables' sizes and each of their indexes', in the order asked. */
export async function relationSizes(client: pg.Client, tables: readonly string[]): Promise<RelationSize[]> {
  const { rows } = await client.query<{ name: string; table_name: string | null; bytes: string }>(
    `select t.relname as name, null as table_name, pg_table_size(t.oid) as bytes, array_position($1::text[], t.relname::text) as position, 0 as part
     from pg_class t where t.relname = any($1::text[]) and t.relkind = 'r'
     union all
     select i.relname, t.relname, pg_relation_size(i.oid), array_position($1::text[], t.relname::text), 1
     from pg_class t join pg_index x on x.indrelid = t.oid join pg_class i on i.oid = x.indexrelid
     where t.relname = any($1::text[]) and t.relkind = 'r'
     order by position, part, name`,
    [tables],
  );
  return rows.map((row) => ({ name: row.name, table: row.table_name, bytes: Number(row.bytes) }));
}
