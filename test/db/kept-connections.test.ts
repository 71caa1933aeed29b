import type { MikroORM } from "@mikro-orm/postgresql";
import { afterAll, describe, expect, it } from "vitest";
import { catalogEntities } from "../../src/catalog/entities.js";
import { createOrm } from "../../src/db/orm.js";
import { createTestDatabase, withClient } from "../support/test-database.js";
import { waitFor } from "../support/wait-for.js";

/** The requests' pool keeps its connections (a new backend starts with cold shared-buffer mappings); other pools close idle ones. */

const IDLE_MS = 200;
const CONNECTIONS = 3;
const databases: Array<{ url: string; drop(): Promise<void> }> = [];
const orms: MikroORM[] = [];

afterAll(async () => {
  await Promise.all(orms.map((orm) => orm.close()));
  await Promise.all(databases.map((database) => database.drop()));
});

/** Backends on the database at `url`, besides the one asking. */
async function backends(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ count: number }>(
      "select count(*)::int as count from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
    return rows[0]!.count;
  });
}

/** A pool on a database of its own, with CONNECTIONS connections opened (all in use at once), then left idle. */
async function openPool(keepConnections: boolean): Promise<{ orm: MikroORM; url: string }> {
  const database = await createTestDatabase();
  databases.push(database);
  const orm = await createOrm({ url: database.url, poolMax: CONNECTIONS, log: () => {}, entities: catalogEntities, keepConnections, idleTimeoutMs: IDLE_MS });
  orms.push(orm);
  await Promise.all(Array.from({ length: CONNECTIONS }, () => orm.em.fork().execute("select pg_sleep(0.2)")));
  expect(await backends(database.url)).toBe(CONNECTIONS);
  return { orm, url: database.url };
}

describe("connections of the ORM's pools", () => {
  it("closes idle connections of a pool that does not keep them", async () => {
    const { url } = await openPool(false);
    await waitFor(async () => (await backends(url)) === 0, 10_000);
  });

  it("keeps every opened connection of the requests' pool, idle or not", async () => {
    const { orm, url } = await openPool(true);
    // Several idle timeouts and reaps (tarn reaps every second) later, all are still there, and serve again.
    await new Promise((resolve) => setTimeout(resolve, 10 * IDLE_MS + 2_500));
    expect(await backends(url)).toBe(CONNECTIONS);
    expect(await orm.em.fork().execute("select 1 as one")).toEqual([{ one: 1 }]);
  });
});
