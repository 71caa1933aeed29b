/**
 * Identical work in flight, done once: the first caller of a key leads (it
 * runs the work, then settles the key with what it got), and callers of the
 * same key before it settles follow (they get what the leader settled). A
 * leader that settles null (it failed, or got nothing worth sharing) leaves
 * its followers to run the work themselves.
 */
export class SharedFlights<T> {
  private readonly flights = new Map<string, { promise: Promise<T | null>; settle: (value: T | null) => void }>();

  /** null: lead (run the work, then settle the key); otherwise the leader's value, null when there is none. */
  join(key: string): Promise<T | null> | null {
    const flight = this.flights.get(key);
    if (flight) return flight.promise;
    let settle!: (value: T | null) => void;
    const promise = new Promise<T | null>((resolve) => (settle = resolve));
    this.flights.set(key, { promise, settle });
    return null;
  }

  /** Ends the key's flight: its followers get `value`, and the next caller of the key leads again. */
  settle(key: string, value: T | null): void {
    const flight = this.flights.get(key);
    if (!flight) return;
    this.flights.delete(key);
    flight.settle(value);
  }

  /** Keys in flight. */
  get size(): number {
    return this.flights.size;
  }
}
