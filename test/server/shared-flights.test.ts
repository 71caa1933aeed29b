import { describe, expect, it } from "vitest";
import { SharedFlights } from "../../src/server/response-cache/shared-flights.js";

describe("SharedFlights", () => {
  it("lets the first caller of a key lead and sends its value to those who joined before it settled", async () => {
    const flights = new SharedFlights<string>();
    expect(flights.join("a")).toBeNull();
    const followers = [flights.join("a"), flights.join("a")];
    expect(followers.every((follower) => follower instanceof Promise)).toBe(true);
    // Another key is another flight.
    expect(flights.join("b")).toBeNull();
    flights.settle("a", "answer");
    expect(await Promise.all(followers)).toEqual(["answer", "answer"]);
    expect(flights.size).toBe(1);
  });

  it("lets the next caller lead again once the key settled", () => {
    const flights = new SharedFlights<string>();
    expect(flights.join("a")).toBeNull();
    flights.settle("a", "answer");
    expect(flights.join("a")).toBeNull();
  });

  it("sends null when the leader had nothing to share, so each follower runs the work itself", async () => {
    const flights = new SharedFlights<string>();
    flights.join("a");
    const follower = flights.join("a");
    flights.settle("a", null);
    expect(await follower).toBeNull();
    expect(flights.size).toBe(0);
  });

  it("ignores a settle of a key not in flight", () => {
    const flights = new SharedFlights<string>();
    flights.settle("a", "late");
    expect(flights.join("a")).toBeNull();
  });
});
