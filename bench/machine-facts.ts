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
  /** The server settings that decide whether scans hit memory and whether aggregates spill to disk. */
  postgresMemory: { sharedBuffers: string; workMem: string };
}

export async function machineFacts(orm: MikroORM): Promise<MachineFacts> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ server_version: string; shared_buffers: string; work_mem: string }[]>(
      "select current_setting('server_version') as server_version, current_setting('shared_buffers') as shared_buffers, current_setting('work_mem') as work_mem",
    );
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    postgres: row?.server_version ?? "unknown",
    postgresMemory: { sharedBuffers: row?.shared_buffers ?? "unknown", workMem: row?.work_mem ?? "unknown" },
  };
}
