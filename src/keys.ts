import { ApiKeyStore } from "./auth/api-key-store.js";
import { ApiKeys } from "./auth/api-keys.js";
import { runKeysCommand } from "./auth/keys-command.js";
import { loadConfig } from "./config.js";
import { createOrm, migrate } from "./db/orm.js";
import { openToolDatabase } from "./db/tool-database.js";
import { catalogEntities } from "./catalog/entities.js";

/**
 * `npm run keys -- create --name web --scopes read,search`, `list`, `revoke`:
 * API keys in the app's database (DATABASE_URL, or the embedded one). It
 * migrates first, like the app, so it works on a database the app has not
 * started on yet.
 */
const config = loadConfig();
const database = await openToolDatabase(config);
let code = 1;
try {
  const orm = await createOrm({ url: database.url, poolMax: 2, log: () => {}, entities: catalogEntities });
  try {
    await migrate(orm);
    const keys = new ApiKeys(new ApiKeyStore((sql, params) => orm.em.getConnection().execute(sql, params)), config.auth.mode);
    code = await runKeysCommand(process.argv.slice(2), keys, { out: (line) => console.log(line), err: (line) => console.error(line) });
  } finally {
    await orm.close();
  }
} finally {
  await database.close();
}
process.exit(code);
