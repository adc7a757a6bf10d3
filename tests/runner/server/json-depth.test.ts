import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../../runner/server/json-depth.ts";

/** Levels of objects and lists in a parsed value: the reference the byte walk must agree with. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  return 1 + children.reduce((deepest: number, child) => Math.max(deepest, depthOf(child)), 0);
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("nestsDeeperThan", () => {
  it("counts levels, not brackets: many shallow objects are not deep, brackets inside strings do not count", () => {
    const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
    expect(nestsDeeperThan(bytes(nested(5)), 5)).toBe(false);
    expect(nestsDeeperThan(bytes(nested(6)), 5)).toBe(true);
    // More openers than the limit, so the walk runs, yet only two levels.
    const wide = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ i })));
    expect(nestsDeeperThan(bytes(wide), 5)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: "[[[[[[[[{{{{{{{{", quoted: '"[[[[[[[[' })), 5)).toBe(false);
  });

  it("agrees with the depth of the parsed value, whatever the count of brackets", () => {
    fc.assert(
      fc.property(fc.json({ depthSize: "medium" }), fc.integer({ min: 0, max: 6 }), (text, max) => {
        expect(nestsDeeperThan(bytes(text), max)).toBe(depthOf(JSON.parse(text)) > max);
      }),
      { numRuns: 500 },
    );
  });
});
