import { describe, expect, it } from "vitest";
import { boundedMemo } from "../../common/bounded-memo.ts";

describe("a bounded memo", () => {
  it("computes each key once, false and undefined answers included, and keeps at most its limit", () => {
    const asked: string[] = [];
    const memo = boundedMemo((key) => {
      asked.push(key);
      return key === "none" ? undefined : key.length > 2;
    }, 3);
    expect([memo("ab"), memo("ab"), memo("abc"), memo("none"), memo("none")]).toEqual([false, false, true, undefined, undefined]);
    expect(asked).toEqual(["ab", "abc", "none"]);
    // A fourth key drops what was kept: the first one is computed again, the fourth is not.
    expect(memo("abcd")).toBe(true);
    expect(memo("ab")).toBe(false);
    expect(memo("abcd")).toBe(true);
    expect(asked).toEqual(["ab", "abc", "none", "abcd", "ab"]);
  });
});
