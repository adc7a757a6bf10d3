import { describe, expect, it } from "vitest";
import { draftOf, seal } from "../../sandbox/afas/draft.ts";
import { seedData } from "../../sandbox/afas/seed.ts";

const KEY = "601826\u000001";
/** What the map holds, without going through a draft's copying read. */
const stored = <K, V>(map: Map<K, V>, key: K) => Map.prototype.get.call(map, key) as V | undefined;

describe("AFAS simulator: a write's draft", () => {
  it("changes a record read from it in the draft only, also when found by iterating", () => {
    const live = seedData();
    const draft = draftOf(live);
    draft.stock.get(KEY)!.Quantity += 5;
    for (const d of draft.debtors.values()) d.Blocked = true;
    draft.journalEntries.push({ UnId: 1, JoCo: "50", EnNo: "1", InId: "", Year: 2025, Peri: 1, lines: [] });
    draft.counters.entry += 1;

    const fresh = seedData();
    expect(live.stock.get(KEY)).toEqual(fresh.stock.get(KEY));
    expect([...live.debtors.values()]).toEqual([...fresh.debtors.values()]);
    expect(live.journalEntries).toHaveLength(0);
    expect(live.counters).toEqual(fresh.counters);
    expect(draft.stock.get(KEY)!.Quantity).toBe(fresh.stock.get(KEY)!.Quantity + 5);
  });

  it("once sealed, reads hand out what it holds instead of copying", () => {
    const open = draftOf(seedData());
    const before = stored(open.stock, KEY);
    expect(open.stock.get(KEY)).not.toBe(before);

    const sealed = draftOf(seedData());
    seal(sealed);
    const held = stored(sealed.stock, KEY);
    expect(sealed.stock.get(KEY)).toBe(held);
  });
});
