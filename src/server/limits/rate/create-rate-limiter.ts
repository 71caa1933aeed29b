import type { MikroORM } from "@mikro-orm/postgresql";
import { RateLimitStore, type RateLimitDatabase } from "./rate-limit-store.js";
import { RateLimiter, type RateLimiterLogger } from "./rate-limiter.js";
import type { RateLimits } from "./rate-limits.js";

/** The rate limiter on the app's own connection pool (statements with `?` placeholders, as MikroORM runs them). */
export function createRateLimiter(orm: MikroORM, limits: RateLimits, logger: RateLimiterLogger): RateLimiter {
  const connection = orm.em.getConnection();
  const database: RateLimitDatabase = {
    run: (sql, params) => connection.execute(sql, params),
    transaction: (work) => connection.transactional((trx) => work((sql, params) => connection.execute(sql, params, "all", trx))),
  };
  return new RateLimiter(new RateLimitStore(database), limits, logger);
}
