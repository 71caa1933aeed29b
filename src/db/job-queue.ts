import PgBoss from "pg-boss";

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

export type JobHandler = (analysisId: string, attempt: JobAttempt) => Promise<void>;

const QUEUE = "analyze-photo";

/**
 * Durable analysis jobs in PostgreSQL, on pg-boss. One job per analysis at a
 * time (singleton key, "stately" policy), so re-sending is harmless. Throwing
 * from the handler makes pg-boss retry with exponential backoff.
 */
export class AnalysisJobQueue {
  private readonly localWorkers: string[] = [];

  private constructor(private readonly boss: PgBoss) {}

  static async start(options: JobQueueOptions): Promise<AnalysisJobQueue> {
    const boss = new PgBoss({
      connectionString: options.url,
      max: options.poolMax,
      schema: "pgboss",
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

  /** Starts `concurrency` workers in this process. */
  async work(concurrency: number, handler: JobHandler): Promise<void> {
    for (let index = 0; index < concurrency; index += 1) {
      const id = await this.boss.work<{ analysisId: string }>(
        QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 0.5 },
        async ([job]) => {
          if (job) await handler(job.data.analysisId, { retryCount: job.retryCount, retryLimit: job.retryLimit });
        },
      );
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

  async requestTask(name: string): Promise<void> {
    await this.boss.send(name, {}, { singletonKey: name });
  }

  /** Waits for in-flight jobs up to `timeoutMs`; what is left is retried once it expires. */
  async stop(timeoutMs: number): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
