/**
 * Turns bus callbacks into an async iterator, as GraphQL subscriptions want.
 * Listening starts before `initial` is read, so nothing published in between
 * is missed; a failing initial read (an unknown id) rejects here, before any
 * stream exists. The stream ends after an event `isLast` accepts, or when the
 * client goes away (return()).
 */
export async function eventStream<T>(options: {
  listen: (push: (event: T) => void) => () => void;
  initial?: () => Promise<T[]>;
  isLast?: (event: T) => boolean;
  /** Drops an event older than the one last yielded (live events can race the initial read). */
  isStale?: (event: T, previous: T) => boolean;
}): Promise<AsyncIterableIterator<T>> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  let previous: T | undefined;
  const stopListening = options.listen((event) => {
    queue.push(event);
    wake?.();
  });
  const finish = () => {
    done = true;
    stopListening();
    wake?.();
  };
  try {
    queue.unshift(...((await options.initial?.()) ?? []));
  } catch (error) {
    finish();
    throw error;
  }

  const nextFresh = async (): Promise<T | undefined> => {
    for (;;) {
      while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const event = queue.shift();
      if (event === undefined || previous === undefined || !options.isStale?.(event, previous)) return event;
    }
  };

  const iterator: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      const event = await nextFresh();
      if (event === undefined) return { done: true, value: undefined };
      previous = event;
      if (options.isLast?.(event)) finish();
      return { done: false, value: event };
    },
    async return(): Promise<IteratorResult<T>> {
      finish();
      queue.length = 0;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
