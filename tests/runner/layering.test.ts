import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm;
const ANY_IMPORT = /^\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']/gm;

/**
 * Modules a file names in its imports and re-exports (not `import()`): with STATIC_IMPORT only
 * those loaded with it (no `import type`); with ANY_IMPORT also the types it depends on.
 */
function imports(file: string, pattern: RegExp): string[] {
  const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const specs = [...code.matchAll(pattern)].map((m) => m[1] ?? "");
  return specs.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s)).filter((p) => existsSync(p) && /\.tsx?$/.test(p));
}

function reachable(entry: string | readonly string[], pattern = STATIC_IMPORT): Set<string> {
  const seen = new Set<string>();
  const todo = (typeof entry === "string" ? [entry] : [...entry]).map((e) => resolve(ROOT, e));
  for (let file = todo.pop(); file; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...imports(file, pattern));
  }
  return seen;
}

const sourcesUnder = (folder: string): string[] =>
  (readdirSync(join(ROOT, folder), { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => `${folder}/${f}`);

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

/** The architecture's "never" rules that hold today, followed through every file in between, types included. */
const NEVER: readonly (readonly [from: string, to: string, why: string])[] = [
  ["engine", "runner", "the engine is pure: no I/O, no HTTP, no storage, no connectors"],
  ["runner/store", "engine", "storage holds data, not mapping logic"],
  ["runner/queue", "engine", "storage holds data, not mapping logic"],
  ["common", "engine", "the shared error table and record shapes sit below every part"],
  ["common", "runner", "the shared error table and record shapes sit below every part"],
  ["common", "sandbox", "the shared error table and record shapes sit below every part"],
  ["engine", "sandbox", "no test doubles in the product core"],
  ["runner/serve", "runner/integrator", "the runtime needs no integrator tooling"],
  ["runner/reload", "runner/triggers", "shared clocks and durations live below both"],
  ["runner/server", "runner/worker", "the dashboard reads records from the store, not worker types"],
  ["runner/worker", "runner/server", "the worker does not know HTTP intake"],
  ["runner/server", "sandbox", "simulators start only from the CLI"],
  ["runner/worker", "sandbox", "simulators start only from the CLI"],
  ["runner/connectors", "runner/server", "clients do not know the server"],
  ["runner/connectors", "runner/store", "clients do not know storage"],
  ["runner/connectors", "sandbox", "real clients never import their fakes"],
  ["sandbox", "runner/server", "a simulator stands alone"],
  ["sandbox", "runner/worker", "a simulator stands alone"],
];

describe("what each part may depend on", () => {
  it.each(NEVER)("%s never reaches %s (%s)", (from, to) => {
    const sources = sourcesUnder(from);
    expect(sources.length).toBeGreaterThan(0);
    expect(under(reachable(sources, ANY_IMPORT), to)).toEqual([]);
  });

  it("the walk does follow type imports and files in between", () => {
    // runner/serve/runtime.ts wires the worker in; a walk that found nothing there would prove nothing above.
    expect(under(reachable("runner/serve/runtime.ts", ANY_IMPORT), "runner/worker").length).toBeGreaterThan(0);
    expect(under(reachable("runner/server/metrics.ts", ANY_IMPORT), "runner/queue")).toContain("runner/queue/types.ts");
  });
});
