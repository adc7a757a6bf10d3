import { afterEach, describe, expect, it } from "vitest";
import { clockCheck, MAX_CLOCK_SKEW_MS } from "../../../runner/cluster/clock-check.ts";
import type { Store } from "../../../runner/store/types.ts";
import { backends, Clock } from "../store/backends.ts";
import { orderEvent, orderFlow, version, World, writeProject } from "../worker/harness.ts";

const [sqlite, postgres] = backends();

/** A clock that reads this host's time shifted by `offsetMs` (a host whose NTP is off). */
class Shifted extends Clock {
  constructor(offsetMs: number) {
    super();
    Object.defineProperty(this, "t", { get: () => Date.now() + offsetMs });
  }
}

describe("a replica's clock against the database's", () => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it("is measured on PostgreSQL, ahead and behind; SQLite shares this process's clock", async () => {
    const ahead = await postgres!.fresh(new Shifted(61_000));
    const behind = await postgres!.another(new Shifted(-30_000));
    const local = await sqlite!.fresh(new Clock());
    opened.push(ahead, behind, local);
    expect(Math.abs((await ahead.clockSkew()) + 61_000)).toBeLessThan(2_000);
    expect(Math.abs((await behind.clockSkew()) - 30_000)).toBeLessThan(2_000);
    expect(await local.clockSkew()).toBe(0);
  });

  it("stops a replica whose clock is too far off from taking jobs, says why once, and lets it go on once it agrees again", async () => {
    let skew = -61_000;
    const lines: string[] = [];
    const clock = clockCheck(async () => skew, (line) => lines.push(line));
    await clock.check();
    await clock.check();
    expect(clock.off).toBe(true);
    expect(lines).toEqual([expect.stringMatching(/^clock: this host's clock is 61\.0 s ahead of the database's \(more than 10 s\): it takes no jobs/)]);

    const world = await new World(sqlite!).open(version("sha-1", writeProject({ "order-to-afas": orderFlow("v1") })));
    try {
      await world.accept(orderEvent("7001"));
      const worker = world.worker({ paused: () => clock.off });
      expect(await worker.runOnce()).toEqual([]);
      expect(world.afas.sent("TestOrder")).toHaveLength(0);

      skew = MAX_CLOCK_SKEW_MS / 2;
      await clock.check();
      expect(clock.off).toBe(false);
      expect(lines.at(-1)).toBe("clock: this host's clock agrees with the database's again; taking jobs");
      expect(await worker.runOnce()).toEqual([expect.objectContaining({ disposition: "done" })]);
    } finally {
      await world.close();
    }
  });

  it("keeps its last verdict when the database cannot be asked", async () => {
    const answers: (() => number)[] = [() => 60_000, () => {
      throw new Error("connection refused");
    }, () => 0, () => {
      throw new Error("connection refused");
    }];
    const clock = clockCheck(async () => answers.shift()!(), () => undefined);
    const verdicts: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      await clock.check();
      verdicts.push(clock.off);
    }
    expect(verdicts).toEqual([true, true, false, false]);
  });
});
