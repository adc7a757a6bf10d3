import { describe, expect, it } from "vitest";
import { scheduleTiming } from "../../../runner/time/schedule.ts";

const WALL = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
});

/** Successive fire times from `from` (exclusive) up to `to`, as Amsterdam wall clock with its zone. */
function fires(cron: string, from: string, to: string): string[] {
  const timing = scheduleTiming({ cron }, "Europe/Amsterdam");
  const out: string[] = [];
  for (let at = timing.next(Date.parse(from)); at !== null && at <= Date.parse(to); at = timing.next(at)) {
    out.push(WALL.format(at));
  }
  return out;
}

describe("cron across daylight saving time (Europe/Amsterdam)", () => {
  it("a pattern for every hour fires in both passes of the hour that comes twice when clocks go back", () => {
    for (const hourly of ["0 * * * *", "@hourly", "0 0-23 * * *", "0 0 * * * *"]) {
      expect(fires(hourly, "2025-10-25T23:30:00Z", "2025-10-26T02:30:00Z"), hourly).toEqual([
        "2025-10-26 02:00 CEST", "2025-10-26 02:00 CET", "2025-10-26 03:00 CET",
      ]);
    }
    // Every 20 minutes: no 80-minute gap at 02:40 CEST.
    expect(fires("*/20 * * * *", "2025-10-26T00:10:00Z", "2025-10-26T01:50:00Z")).toEqual([
      "2025-10-26 02:20 CEST", "2025-10-26 02:40 CEST",
      "2025-10-26 02:00 CET", "2025-10-26 02:20 CET", "2025-10-26 02:40 CET",
    ]);
  });

  it("a pattern for set hours fires once that night, and spring forward skips the hour that does not exist", () => {
    expect(fires("30 2 * * *", "2025-10-25T12:00:00Z", "2025-10-27T12:00:00Z")).toEqual(["2025-10-26 02:30 CET", "2025-10-27 02:30 CET"]);
    expect(fires("0 * * * *", "2025-03-30T00:30:00Z", "2025-03-30T02:30:00Z")).toEqual(["2025-03-30 03:00 CEST", "2025-03-30 04:00 CEST"]);
  });
});
