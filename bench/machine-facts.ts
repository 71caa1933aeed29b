import os from "node:os";
import type { MikroORM } from "@mikro-orm/postgresql";

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** 1, 5 and 15 minute load averages at the start: a busy shared machine shows here. */
  loadAverage: number[];
  node: string;
  platform: string;
  postgres: string;
}

export async function machineFacts(orm: MikroORM): Promise<MachineFacts> {
  const [row] = await orm.em.getConnection().execute<{ server_version: string }[]>("show server_version");
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    postgres: row?.server_version ?? "unknown",
  };
}
