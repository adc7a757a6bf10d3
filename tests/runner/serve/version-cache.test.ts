import { describe, expect, it } from "vitest";
import type { Project } from "../../../engine/config/load.ts";
import { versionCache } from "../../../runner/serve/version-cache.ts";

const version = (sha: string) => ({ sha, project: {} as Project, activatedAt: 0 });

describe("versionCache", () => {
  it("makes one value per version and keeps only the most recently used ones", () => {
    const made: string[] = [];
    const cache = versionCache((v) => {
      made.push(v.sha);
      return { sha: v.sha };
    }, 3);
    const first = cache.get(version("a"));
    expect(cache.get(version("a"))).toBe(first);
    cache.get(version("b"));
    cache.get(version("c"));
    // "a" used again, so "b" is now the longest unused and goes when "d" comes.
    cache.get(version("a"));
    cache.get(version("d"));
    expect([...cache.values()].map((v) => v.sha)).toEqual(["c", "a", "d"]);
    expect(cache.get(version("a"))).toBe(first);
    cache.get(version("b"));
    expect(made).toEqual(["a", "b", "c", "d", "b"]);
  });
});
