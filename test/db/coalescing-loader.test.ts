import { describe, expect, it } from "vitest";
import { CoalescingLoader } from "../../src/db/coalescing-loader.js";

/**
 * The loader's rules, with a load whose statements the test answers by hand:
 * which keys go in which statement, when a statement is sent, and what each
 * waiter gets back.
 */

interface Statement {
  keys: string[];
  answer: (values: Record<string, number>) => void;
  fail: (error: Error) => void;
}

function heldLoader(options: { maxRunning: number; maxBatch: number }) {
  const statements: Statement[] = [];
  const loader = new CoalescingLoader<number>({
    ...options,
    load: (keys) =>
      new Promise((resolve, reject) => {
        statements.push({ keys, answer: (values) => resolve(new Map(Object.entries(values))), fail: reject });
      }),
  });
  return { loader, statements };
}

/** Lets the loader's end-of-turn flush run, and the statements it follows settle (two turns: a settled statement schedules the next flush in its own turn). */
const turn = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
};

describe("coalescing loader", () => {
  it("sends the keys of one turn in one statement, each key once, and answers every waiter", async () => {
    const { loader, statements } = heldLoader({ maxRunning: 2, maxBatch: 100 });
    const a1 = loader.load("a");
    const b = loader.load("b");
    const a2 = loader.load("a");
    const missing = loader.load("z");
    expect(statements).toHaveLength(0); // nothing before the end of the turn
    await turn();
    expect(statements.map((statement) => statement.keys)).toEqual([["a", "b", "z"]]);
    statements[0]!.answer({ a: 1, b: 2 });
    expect(await Promise.all([a1, b, a2, missing])).toEqual([1, 2, 1, undefined]);
  });

  it("holds keys asked for while maxRunning statements run, then sends them together", async () => {
    const { loader, statements } = heldLoader({ maxRunning: 1, maxBatch: 100 });
    const first = loader.load("a");
    await turn();
    expect(statements).toHaveLength(1);
    // Asked for while the first statement runs: none is sent, even after several turns.
    const waiting = [loader.load("b"), loader.load("c"), loader.load("a")];
    await turn();
    await turn();
    expect(statements).toHaveLength(1);
    statements[0]!.answer({ a: 1 });
    expect(await first).toBe(1);
    await turn();
    // "a" again: its first statement was sent before it was asked for the second time, so it goes again.
    expect(statements.map((statement) => statement.keys)).toEqual([["a"], ["b", "c", "a"]]);
    statements[1]!.answer({ a: 10, b: 2, c: 3 });
    expect(await Promise.all(waiting)).toEqual([2, 3, 10]);
  });

  it("runs up to maxRunning statements at once, each at most maxBatch keys", async () => {
    const { loader, statements } = heldLoader({ maxRunning: 2, maxBatch: 2 });
    const values = ["a", "b", "c", "d", "e"].map((key) => loader.load(key));
    await turn();
    expect(statements.map((statement) => statement.keys)).toEqual([["a", "b"], ["c", "d"]]);
    statements[1]!.answer({ c: 3, d: 4 });
    await turn();
    expect(statements.map((statement) => statement.keys)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    statements[2]!.answer({ e: 5 });
    statements[0]!.answer({ a: 1, b: 2 });
    expect(await Promise.all(values)).toEqual([1, 2, 3, 4, 5]);
  });

  it("fails the waiters of a failed statement only, and keeps serving", async () => {
    const { loader, statements } = heldLoader({ maxRunning: 1, maxBatch: 100 });
    const failed = [loader.load("a"), loader.load("b")];
    await turn();
    const later = loader.load("c");
    statements[0]!.fail(new Error("statement timeout"));
    for (const waiter of failed) await expect(waiter).rejects.toThrow("statement timeout");
    await turn();
    expect(statements[1]!.keys).toEqual(["c"]);
    statements[1]!.answer({ c: 3 });
    expect(await later).toBe(3);
  });

  it("turns a load that throws before returning a promise into rejections", async () => {
    const loader = new CoalescingLoader<number>({
      maxRunning: 1,
      maxBatch: 10,
      load: () => {
        throw new Error("no connection");
      },
    });
    await expect(loader.load("a")).rejects.toThrow("no connection");
  });

  it("loadMany gives the keys that exist, by key", async () => {
    const { loader, statements } = heldLoader({ maxRunning: 1, maxBatch: 100 });
    const many = loader.loadMany(["a", "x", "b"]);
    await turn();
    statements[0]!.answer({ a: 1, b: 0 });
    expect([...(await many)]).toEqual([
      ["a", 1],
      ["b", 0],
    ]);
  });
});
