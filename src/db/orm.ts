import { MikroORM } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { migrationsList } from "../../migrations/index.js";
import { analysisSchema } from "../catalog/analysis.entity.js";
import { photoSchema } from "../catalog/photo.entity.js";
import { productSchema } from "../catalog/product.entity.js";

export interface OrmOptions {
  url: string;
  poolMax: number;
  log: (message: string) => void;
}

export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: options.url,
    entities: [productSchema, photoSchema, analysisSchema],
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, silent: true, snapshot: false },
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: options.poolMax, idleTimeoutMillis: 30_000, acquireTimeoutMillis: 10_000 },
    // Fail fast when the server is unreachable, rather than queueing requests for long.
    driverOptions: { connection: { connectionTimeoutMillis: 5_000 } },
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

/** Counts SQL statements sent through the ORM's connection (for /metrics and tests). */
export function countStatements(orm: MikroORM): { read(): number } {
  let count = 0;
  orm.em.getConnection().getKnex().on("query", () => {
    count += 1;
  });
  return { read: () => count };
}
