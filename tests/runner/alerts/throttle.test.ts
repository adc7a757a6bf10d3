import { describe, expect, it } from "vitest";
import { Throttle } from "../../../runner/alerts/throttle.ts";

describe("the alert throttle", () => {
  it("after a lost alert, reopens once the retry time passed and counts the lost one with those it reported", () => {
    const t = new Throttle();
    expect(t.admit("k", 0, 1000)).toEqual({ at: 0, suppressed: 0 });
    expect(t.admit("k", 200, 1000)).toBeNull();
    expect(t.admit("k", 20, 1000)).toBeNull();
    const lost = t.admit("k", 1000, 1000)!;
    expect(lost).toEqual({ at: 1000, suppressed: 2 });
    t.undelivered("k", lost, 100);
    expect(t.admit("k", 1050, 1000)).toBeNull();
    // The lost alert itself, the 2 it reported, and the one held back at 1050.
    expect(t.admit("k", 1100, 1000)).toEqual({ at: 1100, suppressed: 4 });
  });

  it("lets a late failure of an earlier alert leave a later alert's window alone", () => {
    const t = new Throttle();
    const first = t.admit("k", 0, 0)!;
    t.admit("k", 5, 0);
    t.undelivered("k", first, 100);
    expect(t.admit("k", 200, 1000)).toBeNull();
  });
});
