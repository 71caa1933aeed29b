import PgBoss from "pg-boss";
import { reportUnsettledJobs } from "./pg-boss-settlement.js";

export interface JobQueueOptions {
  url: string;
  poolMax: number;
  /** A job still active after this long is taken for dead (its worker crashed) and retried. */
  expireInSeconds: number;
  retryLimit: number;
  retryDelaySeconds: number;
  maintenanceIntervalSeconds: number;
  log: { error(object: object, message: string): void };
}

export interface JobAttempt {
  retryCount: number;
  retryLimit: number;
}

export interface WorkOptions {
  concurrency: number;
  retryLimit: number;
  retryDelaySeconds: number;
  /** A job still active after this long has lost its worker, and is retried. */
  expireInSeconds: number;
}

export type JobHandler = (analysisId: string, attempt: JobAttempt) => Promise<void>;

const QUEUE = "analyze-photo";
const SCHEMA = "pgboss";

/** Unfinished jobs of one queue in one state (created, retry: waiting; active: running). */
export interface QueueBacklog {
  queue: string;
  state: string;
  jobs: number;
  /** Seconds since the oldest of them was queued. */
  oldestSeconds: number;
}

/**
 * Durable analysis jobs in PostgreSQL, on pg-boss. One job per analysis at a
 * time (singleton key, "stately" policy), so re-sending is harmless. Throwing
 * from the handler makes pg-boss retry with exponential backoff.
 */
export class AnalysisJobQueue {
  private readonly localWorkers: string[] = [];

  private constructor(private readonly boss: PgBoss) {}

  static async start(options: JobQueueOptions): Promise<AnalysisJobQueue> {
    reportUnsettledJobs(); // a job settled while PostgreSQL restarts must not end the process (pg-boss-settlement.ts)
    const boss = new PgBoss({
      connectionString: options.url,
      max: options.poolMax,
      schema: SCHEMA,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
      monitorStateIntervalSeconds: options.maintenanceIntervalSeconds,
    });
    boss.on("error", (error) => options.log.error({ err: error }, "job queue error"));
    await boss.start();
    await boss.createQueue(QUEUE, {
      name: QUEUE,
      policy: "stately",
      retryLimit: options.retryLimit,
      retryDelay: options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: options.expireInSeconds,
    });
    await boss.updateQueue(QUEUE, {
      name: QUEUE,
      retryLimit: options.retryLimit,
      retryDelay: options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: options.expireInSeconds,
    });
    return new AnalysisJobQueue(boss);
  }

  /** Queues the analysis unless a job for it is already waiting. */
  async enqueue(analysisId: string): Promise<void> {
    await this.boss.send(QUEUE, { analysisId }, { singletonKey: analysisId });
    // Wake this process's idle workers now rather than at their next poll.
    for (const id of this.localWorkers) this.boss.notifyWorker(id);
  }

  /**
   * Drops the queued (not yet running) jobs of these analyses: their product
   * is gone. A job already running finds its analysis gone and ends.
   */
  async cancel(analysisIds: readonly string[]): Promise<void> {
    if (analysisIds.length === 0) return;
    await this.boss.getDb().executeSql(`delete from ${SCHEMA}.job where name = $1 and state < 'active' and data->>'analysisId' = any($2::text[])`, [
      QUEUE,
      analysisIds,
    ]);
  }

  /** Starts `concurrency` workers in this process. */
  async work(concurrency: number, handler: JobHandler): Promise<void> {
    for (let index = 0; index < concurrency; index += 1) {
      const id = await this.workEagerly<{ analysisId: string }>(QUEUE, (data, attempt) => handler(data.analysisId, attempt));
      this.localWorkers.push(id);
    }
  }

  /**
   * A background task that runs in one process at a time, whichever worker
   * takes it (pg-boss's singleton policy), and is asked for again and again:
   * asking while one is queued is a no-op.
   */
  async defineTask(name: string, expireInSeconds: number, handler: () => Promise<void>): Promise<void> {
    const options = { name, policy: "singleton" as const, retryLimit: 2, retryDelay: 30, expireInSeconds };
    await this.boss.createQueue(name, options);
    await this.boss.updateQueue(name, options);
    await this.boss.work(name, { batchSize: 1, pollingIntervalSeconds: 2 }, async () => handler());
  }

  /**
   * A queue of other durable work (an import's items): one job per key at a
   * time ("stately"), retried with backoff like analyses, and worked by
   * `concurrency` workers in this process.
   */
  async defineWork(queue: string, options: WorkOptions, handler: (data: object, attempt: JobAttempt) => Promise<void>): Promise<void> {
    await this.createWorkQueue(queue, options);
    for (let index = 0; index < options.concurrency; index += 1) await this.workEagerly<object>(queue, handler);
  }

  /** One worker of `queue`; answers its id. */
  private async workEagerly<Data extends object>(queue: string, handler: (data: Data, attempt: JobAttempt) => Promise<void>): Promise<string> {
    let worker = "";
    worker = await this.boss.work<Data>(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 }, async ([job]) => {
      if (!job) return;
      try {
        await handler(job.data, { retryCount: job.retryCount, retryLimit: job.retryLimit });
      } finally {
        // pg-boss waits out the polling interval after every job, found or not: a worker that just found one
        // asks for the next at once instead, so a backlog drains at the database's and the tagger's pace,
        // not one job per polling interval per worker.
        if (worker) this.boss.notifyWorker(worker);
      }
    });
    return worker;
  }

  /** Makes sure a queue of defineWork's exists, so jobs can be sent from a process that does not work it. */
  async createWorkQueue(queue: string, options: Omit<WorkOptions, "concurrency">): Promise<void> {
    const settings = { name: queue, policy: "stately" as const, retryLimit: options.retryLimit, retryDelay: options.retryDelaySeconds, retryBackoff: true, expireInSeconds: options.expireInSeconds };
    await this.boss.createQueue(queue, settings);
    await this.boss.updateQueue(queue, settings);
  }

  /** Sends one job per payload, in one statement; a key with a job already waiting is skipped. */
  async sendEach(queue: string, jobs: ReadonlyArray<{ key: string; data: object }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(jobs.map(({ key, data }) => ({ name: queue, data, singletonKey: key })));
  }

  async requestTask(name: string): Promise<void> {
    await this.boss.send(name, {}, { singletonKey: name });
  }

  /**
   * Unfinished jobs per queue and state, for /metrics. One grouped query
   * over the rows pg-boss itself keeps indexed (state below completed); the
   * caller bounds how long it may take.
   */
  async backlog(): Promise<QueueBacklog[]> {
    const { rows } = await this.boss.getDb().executeSql(
      `select name as queue, state::text as state, count(*)::int as jobs,
              extract(epoch from now() - min(created_on))::float8 as "oldestSeconds"
         from ${SCHEMA}.job where state < 'completed' group by name, state`,
      [],
    );
    return rows as QueueBacklog[];
  }

  /** Waits for in-flight jobs up to `timeoutMs`; what is left is retried once it expires. */
  async stop(timeoutMs: number): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
