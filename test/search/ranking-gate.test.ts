import { describe, expect, it } from "vitest";
import { defaultRankingSlots, RankingGate, SearchBusyError } from "../../src/search/ranking-gate.js";

/** A ranking that runs until `finish` is called, recording when it started. */
function heldRanking(log: string[], name: string) {
  let finish: (value: string) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const done = new Promise<string>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    run: () => {
      log.push(`start ${name}`);
      return done;
    },
    finish: () => finish(name),
    fail: (error: Error) => fail(error),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("RankingGate", () => {
  it("runs at most `slots` rankings at once and starts the waiting ones first come, first served", async () => {
    const gate = new RankingGate(2, 0);
    const log: string[] = [];
    const rankings = ["a", "b", "c", "d"].map((name) => heldRanking(log, name));
    const answers = rankings.map((ranking) => gate.run(ranking.run));
    await settle();
    expect(log).toEqual(["start a", "start b"]);
    expect(gate.queued).toBe(2);
    rankings[1]!.finish();
    await settle();
    expect(log).toEqual(["start a", "start b", "start c"]);
    rankings[0]!.finish();
    await settle();
    expect(log).toEqual(["start a", "start b", "start c", "start d"]);
    rankings[2]!.finish();
    rankings[3]!.finish();
    expect(await Promise.all(answers)).toEqual(["a", "b", "c", "d"]);
    expect(gate.queued).toBe(0);
  });

  it("gives a failed ranking's turn to the next, and passes its error on", async () => {
    const gate = new RankingGate(1, 0);
    const log: string[] = [];
    const [first, second] = [heldRanking(log, "first"), heldRanking(log, "second")];
    const failing = gate.run(first.run);
    const next = gate.run(second.run);
    await settle();
    expect(log).toEqual(["start first"]);
    first.fail(new Error("statement failed"));
    await expect(failing).rejects.toThrow("statement failed");
    await settle();
    expect(log).toEqual(["start first", "start second"]);
    second.finish();
    expect(await next).toBe("second");
  });

  it("refuses a ranking that waited its whole allowance with SEARCH_BUSY, and never starts it", async () => {
    const gate = new RankingGate(1, 50);
    const log: string[] = [];
    const [slow, late] = [heldRanking(log, "slow"), heldRanking(log, "late")];
    const running = gate.run(slow.run);
    const refused = gate.run(late.run).catch((error: unknown) => error);
    const error = await refused;
    expect(error).toBeInstanceOf(SearchBusyError);
    expect((error as SearchBusyError).code).toBe("SEARCH_BUSY");
    expect((error as SearchBusyError).transient).toBe(true);
    expect(gate.queued).toBe(0);
    slow.finish();
    expect(await running).toBe("slow");
    await settle();
    expect(log).toEqual(["start slow"]);
    // The refused ranking's place is gone: the next one starts at once.
    expect(await gate.run(async () => "after")).toBe("after");
  });

  it("with 0 slots, runs every ranking at once", async () => {
    const gate = new RankingGate(0, 10);
    const log: string[] = [];
    const rankings = ["a", "b", "c"].map((name) => heldRanking(log, name));
    const answers = rankings.map((ranking) => gate.run(ranking.run));
    await settle();
    expect(log).toEqual(["start a", "start b", "start c"]);
    rankings.forEach((ranking) => ranking.finish());
    expect(await Promise.all(answers)).toEqual(["a", "b", "c"]);
  });

  it("takes half the requests' pool by default, keeping two connections for other reads", () => {
    expect(defaultRankingSlots(10)).toBe(4);
    expect(defaultRankingSlots(3)).toBe(1);
    expect(defaultRankingSlots(1)).toBe(1);
    expect(defaultRankingSlots(40)).toBe(19);
  });
});
