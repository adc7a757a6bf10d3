import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** Modules a file loads when it is loaded: static imports and re-exports, not `import type` nor `import()`. */
function staticImports(file: string): string[] {
  const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const specs = [...code.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm)].map((m) => m[1] ?? "");
  return specs.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s)).filter((p) => existsSync(p) && p.endsWith(".ts"));
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [resolve(ROOT, entry)];
  for (let file = todo.pop(); file; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...staticImports(file));
  }
  return seen;
}

const under = (files: Iterable<string>, folder: string) => [...files].map((f) => relative(ROOT, f)).filter((f) => f.startsWith(`${folder}/`));

describe("what production code loads", () => {
  it("`koppel serve` loads the simulators only in sandbox mode (a dynamic import), never at startup", () => {
    const loaded = reachable("runner/cli/serve.ts");
    expect(loaded.size).toBeGreaterThan(20);
    expect(under(loaded, "sandbox")).toEqual([]);
    expect(under(loaded, "tests")).toEqual([]);
  });

  it("the walk does see a static import of the simulators where there is one", () => {
    expect(under(reachable("runner/serve/sandbox.ts"), "sandbox").length).toBeGreaterThan(0);
  });

  it("benches depend on nothing under tests/", () => {
    const benches = readdirSync(join(ROOT, "bench")).filter((f) => f.endsWith(".ts")).map((f) => `bench/${f}`);
    expect(benches.length).toBeGreaterThan(0);
    expect(benches.flatMap((b) => under(reachable(b), "tests"))).toEqual([]);
  });
});
