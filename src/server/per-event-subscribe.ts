import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from "graphql";

export interface PerEventContexts {
  /** The context one event runs in, for one subscription. */
  forEvent(subscriptionContext: unknown, event: unknown): unknown;
  /**
   * Everything a resolver may read from a subscription's context that can
   * change its answer (the public URL links are built from, the key): two
   * subscriptions with the same key, the same operation and variables get
   * the same answer to the same event.
   */
  shareKey(subscriptionContext: unknown): string;
}

/**
 * graphql-js's `subscribe`, except that each event runs in a context of its
 * own instead of the one the subscription was made with (graphql-js maps a
 * source stream with `execute({ ...args, rootValue: event })`; this does the
 * same with the event's context), and that subscriptions that would answer
 * an event alike share one execution: an event that reaches ten thousand
 * open tabs of one frontend is resolved once, not ten thousand times.
 */
export function subscribePerEvent(contexts: PerEventContexts) {
  const answers = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  /** `sameAs`: the key of the subscriptions that answer alike (null: none is known to). */
  const answerTo = (args: ExecutionArgs, sameAs: string | null, event: unknown): Promise<ExecutionResult> => {
    const run = async () => execute({ ...args, rootValue: event, contextValue: contexts.forEvent(args.contextValue, event) });
    if (sameAs === null || typeof event !== "object" || event === null) return run();
    let bySubscription = answers.get(event);
    if (!bySubscription) answers.set(event, (bySubscription = new Map()));
    let answer = bySubscription.get(sameAs);
    if (!answer) bySubscription.set(sameAs, (answer = run()));
    return answer;
  };
  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source; // the errors of setting it up
    const events = source[Symbol.asyncIterator]();
    // graphql-ws parses each subscription's query itself: the text, not the parsed document, says which are the same.
    const text = args.document.loc?.source.body;
    const sameAs = text === undefined ? null : JSON.stringify([text, args.operationName ?? null, args.variableValues ?? null, contexts.shareKey(args.contextValue)]);
    const results: AsyncIterableIterator<ExecutionResult> = {
      next: async () => {
        const next = await events.next();
        return next.done ? { done: true, value: undefined } : { done: false, value: await answerTo(args, sameAs, next.value) };
      },
      return: async () => {
        await events.return?.();
        return { done: true, value: undefined };
      },
      throw: async (error?: unknown) => {
        await events.return?.();
        throw error;
      },
      [Symbol.asyncIterator]: () => results,
    };
    return results;
  };
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof (value as AsyncIterable<T> | null)?.[Symbol.asyncIterator] === "function";
}
