import { isFinal, type AnalysisEvent } from "../analysis/progress.js";
import type { EventBus } from "./event-bus.js";
import { NotFoundError } from "../errors.js";
import { eventOf, topics } from "./analysis-events.js";
import { eventStream } from "./event-stream.js";
import { parseId, parseRequestId } from "../catalog/ids.js";
import type { ProductRepository } from "../catalog/product-repository.js";

/** Older than what the subscriber has, or the very same update again (seen in the initial state and live). */
const isStale = (event: AnalysisEvent, previous: AnalysisEvent) =>
  event.at < previous.at || (event.at === previous.at && event.stage === previous.stage && event.status === previous.status);

/** Live progress of analyses, for subscriptions. */
export class AnalysisWatch {
  constructor(
    private readonly bus: EventBus,
    private readonly repository: () => ProductRepository,
  ) {}

  /**
   * The current state first (so a late subscriber learns a finished result at
   * once), then every change until READY or FAILED.
   */
  watchProduct(rawProductId: string): Promise<AsyncIterableIterator<AnalysisEvent>> {
    const productId = parseId(rawProductId, "product");
    return eventStream<AnalysisEvent>({
      listen: (push) => this.listen(topics.productAnalysis(productId), push),
      initial: async () => {
        const analysis = (await this.repository().analysesByProductIds([productId])).get(productId);
        if (!analysis) throw new NotFoundError(`No product has the id ${rawProductId}.`, { id: rawProductId });
        return [eventOf(analysis)];
      },
      isLast: (event) => isFinal(event.status),
      isStale,
    });
  }

  /** A findSimilarProducts query's progress, by the requestId its client chose; subscribe before sending it. */
  watchQuery(rawRequestId: string): Promise<AsyncIterableIterator<AnalysisEvent>> {
    const requestId = parseRequestId(rawRequestId);
    return eventStream<AnalysisEvent>({
      listen: (push) => this.listen(topics.queryAnalysis(requestId), push),
      isLast: (event) => isFinal(event.status),
      isStale,
    });
  }

  watchReadyProducts(): Promise<AsyncIterableIterator<{ productId: string }>> {
    return eventStream<{ productId: string }>({ listen: (push) => this.listen(topics.productReady, push) });
  }

  watchRemovedProducts(): Promise<AsyncIterableIterator<{ productId: string }>> {
    return eventStream<{ productId: string }>({ listen: (push) => this.listen(topics.productRemoved, push) });
  }

  private listen<T>(topic: string, push: (event: T) => void): () => void {
    return this.bus.subscribe(topic, (payload) => push(payload as T));
  }
}
