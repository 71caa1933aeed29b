import { randomUUID } from "node:crypto";
import pg from "pg";
import type { MikroORM } from "@mikro-orm/postgresql";
import { inject } from "vitest";
import { createOrm, migrate } from "../../src/db/orm.js";
import { catalogEntities } from "../../src/catalog/entities.js";

/** A fresh, empty database on the test cluster; the app migrates it at start. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject("pgAdminUrl");
  const name = `test_${randomUUID().replaceAll("-", "")}`;
  await withClient(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A fresh database with every migration applied, and an ORM on it (two connections). */
export async function createMigratedOrm(): Promise<{ orm: MikroORM; drop(): Promise<void> }> {
  const database = await createTestDatabase();
  const orm = await createOrm({ url: database.url, poolMax: 2, log: () => {}, entities: catalogEntities });
  await migrate(orm);
  return { orm, drop: database.drop };
}
