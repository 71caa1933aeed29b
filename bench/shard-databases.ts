import pg from "pg";
import { provisionBenchDatabase, type BenchDatabase } from "./bench-database.js";

export interface ShardDatabases {
  /** The database holding every product: the reference the shards are compared with. */
  single: BenchDatabase;
  /** One database per shard, on the same server. */
  shardUrls: string[];
  /** Drops the shard databases, then the single one (and stops the embedded server); safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * A fresh database for the whole catalogue (bench-database.ts: an embedded
 * PostgreSQL in a temp dir, or a fresh database on `externalUrl`) and
 * `shards` more beside it on the same server, named after it. One server
 * stands in for several: the shards share its CPUs, memory and
 * shared_buffers with each other and with the single database.
 */
export async function provisionShardDatabases(externalUrl: string | undefined, shards: number): Promise<ShardDatabases> {
  const single = await provisionBenchDatabase(externalUrl);
  const name = new URL(single.url).pathname.slice(1);
  const names = Array.from({ length: shards }, (_, index) => `${name}_shard_${index}`);
  const admin = async (statements: readonly string[]) => {
    const client = new pg.Client({ connectionString: single.url });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  };
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      await admin(names.map((shard) => `drop database if exists ${shard} with (force)`));
    } finally {
      await single.dispose();
    }
  };
  try {
    await admin(names.map((shard) => `create database ${shard}`));
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    single,
    shardUrls: names.map((shard) => {
      const url = new URL(single.url);
      url.pathname = `/${shard}`;
      return url.toString();
    }),
    dispose,
  };
}
