import type { Logger } from "pino";
import { BadUserInputError, NotFoundError } from "../errors.js";
import { RateLimitedError } from "../server/limits/rate/rate-limited.js";
import type { EventBus } from "../jobs/event-bus.js";
import { eventStream } from "../jobs/event-stream.js";
import { parseId } from "../catalog/ids.js";
import { checkImportItems, MAX_IMPORT_ITEMS, type ImportItemInput } from "./import-items.js";
import { IMPORT_ITEM_QUEUE, type ImportItemJobData } from "./import-item-job.js";
import type { ImportCounts, ImportItemRecord, ImportItemStatus, ImportRepository } from "./import-repository.js";

export interface ImportServiceDependencies {
  /** A repository over a fresh EntityManager (a subscription outlives any one request's). */
  createRepository: () => ImportRepository;
  jobs: { sendEach(queue: string, jobs: ReadonlyArray<{ key: string; data: object }>): Promise<void> };
  bus: EventBus;
  /** IMPORT_MAX_PENDING_ITEMS: unsettled items one key (or all requests without a key) may have. */
  maxPendingItems: number;
  /** Whether a tagger is configured: without one, no import can finish. */
  assertCanAnalyse: () => void;
  logger: Pick<Logger, "warn">;
}

/** One event of an import's progress: where it stands, and the item whose move this is (null for the state at subscription). */
export interface ImportProgress extends ImportCounts {
  finished: boolean;
  item: ImportItemRecord | null;
}

/** What the event bus carries for an item's move (the trigger of the imports migration sends it). */
interface ItemMoved {
  importId: string;
  index: number;
  status: ImportItemStatus;
}

/** The topic of one import's moves, as the migration's trigger names it. */
export const importTopic = (importId: string) => `import:${importId}`;

/** Bulk imports by URL: started here, worked by import-item jobs (import-item-job.ts). */
export class ImportService {
  constructor(private readonly deps: ImportServiceDependencies) {}

  /**
   * Checks and records an import, queues a job per item it did not refuse,
   * and returns the import at once. A process that dies before the jobs
   * are sent leaves its items QUEUED, and the import sweep sends them.
   */
  async start(items: readonly ImportItemInput[], apiKeyId: string | null): Promise<ImportCounts> {
    this.deps.assertCanAnalyse();
    const submitted = checkImportItems(items);
    const queued = submitted.filter((item) => item.refusal === null);
    const repository = this.deps.createRepository();
    const importId = await repository.exclusiveForKey(apiKeyId, async (locked) => {
      const pending = await locked.pendingItemsOf(apiKeyId);
      if (pending + queued.length > this.deps.maxPendingItems) throw tooManyPending(pending, queued.length, this.deps.maxPendingItems);
      return locked.create(submitted, apiKeyId);
    });
    await this.send(queued.map(({ index }) => ({ importId, index }))).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, importId }, "could not queue the import's items now; the import sweep will");
    });
    return (await repository.counts(importId))!;
  }

  /** Sends (again) the jobs of these items; an item with a job already waiting is skipped. */
  send(items: readonly ImportItemJobData[]): Promise<void> {
    return this.deps.jobs.sendEach(
      IMPORT_ITEM_QUEUE,
      items.map((data) => ({ key: `${data.importId}/${data.index}`, data })),
    );
  }

  async counts(id: string): Promise<ImportCounts> {
    const counts = await this.deps.createRepository().counts(parseId(id, "import"));
    if (!counts) throw new NotFoundError(`No import has the id ${id}.`, { id });
    return counts;
  }

  items(importId: string, options: { first: number; afterIndex: number | null; status: ImportItemStatus | null }): Promise<ImportItemRecord[]> {
    if (!Number.isInteger(options.first) || options.first < 1 || options.first > MAX_IMPORT_ITEMS) {
      throw new BadUserInputError(`first must be a whole number from 1 to ${MAX_IMPORT_ITEMS}.`, { argument: "first" });
    }
    return this.deps.createRepository().items(importId, options);
  }

  /**
   * The import's progress: where it stands now, then an event per item that
   * moves, until none is pending. Each event's counts are read when it is
   * delivered (after the move committed), so they never go back, and the
   * last one says finished. After the bus reconnects, the state is read again.
   */
  async watch(id: string): Promise<AsyncIterableIterator<ImportProgress>> {
    const importId = parseId(id, "import");
    const repository = this.deps.createRepository();
    const moves = await eventStream<ItemMoved | null>({
      listen: (push) => {
        const unsubscribe = this.deps.bus.subscribe(importTopic(importId), (payload) => push(payload as ItemMoved));
        const unwatchReconnect = this.deps.bus.onReconnect(() => push(null));
        return () => {
          unsubscribe();
          unwatchReconnect();
        };
      },
      initial: async () => {
        await this.counts(importId); // NOT_FOUND before any stream exists
        return [null];
      },
    });
    return progressOf(moves, importId, repository);
  }
}

async function* progressOf(moves: AsyncIterableIterator<ItemMoved | null>, importId: string, repository: ImportRepository): AsyncIterableIterator<ImportProgress> {
  try {
    for await (const move of moves) {
      const counts = await repository.counts(importId);
      if (!counts) return; // the import was removed
      const [item] = move ? await repository.items(importId, { first: 1, afterIndex: move.index - 1, status: null }) : [];
      const finished = counts.pending === 0;
      yield { ...counts, finished, item: item ?? null };
      if (finished) return;
    }
  } finally {
    await moves.return?.();
  }
}

/**
 * An import that would leave its key with more unsettled items than allowed:
 * a key cannot queue work faster than the workers settle it. Nothing was
 * written; trying again once earlier items have settled succeeds.
 */
function tooManyPending(pending: number, requested: number, maximum: number): RateLimitedError {
  return new RateLimitedError(
    `Rate limited: ${pending} items of this key's imports are not settled yet, and this import would add ${requested}; at most ${maximum} may be. Try again once some have settled.`,
    { limit: "pendingImportItems", maximum, current: pending, requested, retryAfterSeconds: PENDING_RETRY_SECONDS },
  );
}

/** A minute: items settle at the workers' pace, about one per second each. */
const PENDING_RETRY_SECONDS = 60;
