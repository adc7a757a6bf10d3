import { describe, expect, it } from "vitest";
import { parseDuration } from "../../common/duration.ts";

describe("parseDuration: the one duration syntax (schedules, reload polling, alert throttle, retention)", () => {
  it("reads every unit the schemas allow", () => {
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("12h")).toBe(43_200_000);
    expect(parseDuration("7d")).toBe(604_800_000);
  });

  it("refuses zero unless the caller allows it, and anything that is not <number><unit>", () => {
    expect(() => parseDuration("0s")).toThrow(/positive/);
    expect(parseDuration("0h", { allowZero: true })).toBe(0);
    for (const bad of ["", "5", "1w", "-1h", "1.5h", "h"]) expect(() => parseDuration(bad, { allowZero: true })).toThrow(/not a duration/);
  });
});
