import { topics } from "../../jobs/analysis-events.js";
import type { EventBus } from "../../jobs/event-bus.js";

/**
 * A number that moves whenever an answer read before may no longer be the
 * catalogue's: it is part of every cached answer's key, so moving it drops
 * them all at once. It moves on every committed catalogue write, in any
 * process (a trigger publishes catalogue-changed), when the bus reconnects
 * (what was published meanwhile is lost), and when this process answers a
 * mutation, before the response leaves: a client reading its own write
 * through the same process never waits for the notification's round trip.
 */
export class CatalogueGeneration {
  private value = 0;

  /** Listens for as long as the bus runs (it stops with the app). */
  constructor(bus: Pick<EventBus, "subscribe" | "onReconnect">) {
    bus.subscribe(topics.catalogueChanged, () => this.advance());
    bus.onReconnect(() => this.advance());
  }

  current(): number {
    return this.value;
  }

  advance(): void {
    this.value++;
  }
}
