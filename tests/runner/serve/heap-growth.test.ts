import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from "../../../runner/serve/heap-growth.ts";

describe("limitHeapGrowth", () => {
  it("sets V8's old-generation growth for serve when node was started without one", () => {
    const set: string[] = [];
    expect(limitHeapGrowth(["--enable-source-maps"], (flags) => set.push(flags))).toBe(true);
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it("leaves an operator's own --heap-growing-percent in force, in either spelling", () => {
    const set: string[] = [];
    expect(limitHeapGrowth(["--heap-growing-percent=200"], (flags) => set.push(flags))).toBe(false);
    expect(limitHeapGrowth(["--heap_growing_percent=10"], (flags) => set.push(flags))).toBe(false);
    expect(set).toEqual([]);
  });
});
