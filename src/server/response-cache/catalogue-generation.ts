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
 * While the bus is down, writes go unheard: there is no generation to trust
 * (current() is null), and nothing is cached or served from the cache.
 */
export class CatalogueGeneration {
  private value = 0;
  private wasDown = false;

  /** Listens for as long as the bus runs (it stops with the app). */
  constructor(private readonly bus: Pick<EventBus, "subscribe" | "onReconnect" | "listening">) {
    bus.subscribe(topics.catalogueChanged, () => this.advance());
    bus.onReconnect(() => this.advance());
  }

  /** null while the bus is down; once it is back, a generation past every answer kept before. */
  current(): number | null {
    if (!this.bus.listening()) {
      this.wasDown = true;
      return null;
    }
    if (this.wasDown) {
      this.wasDown = false;
      this.advance();
    }
    return this.value;
  }

  advance(): void {
    this.value++;
  }
}
