import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
/** common/ (the error table and the record shapes every part shares) sits below the engine, so it is held to the same rule. */
const files = ["engine", "common"].flatMap((dir) =>
  (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(ROOT, dir, f)),
);

/** engine/ is pure: it may compute, not touch the world. Everything with I/O lives in runner/. */
const FORBIDDEN_IMPORTS = [
  /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|worker_threads|cluster|dns|tls|os|readline)$/,
  /^(hono|@hono\/.*|better-sqlite3|pg|pg-boss|chokidar|prom-client|croner)$/,
  /(^|\/)runner\//,
];
const FORBIDDEN_CALLS = [/\bDate\.now\(/, /\bMath\.random\(/, /\bnew Date\(\)/, /\bprocess\./, /\bcrypto\.randomUUID\(/, /\bsetTimeout\(/];

describe("engine/ and common/ purity", () => {
  it("has source files to check", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    const name = relative(ROOT, file);
    it(`${name} imports no I/O, server or runner module and reads no clock or randomness`, () => {
      const text = readFileSync(file, "utf8");
      const imports = [...text.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2] ?? "");
      const badImports = imports.filter((i) => FORBIDDEN_IMPORTS.some((re) => re.test(i)));
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      const badCalls = FORBIDDEN_CALLS.filter((re) => re.test(code)).map(String);
      expect({ badImports, badCalls }).toEqual({ badImports: [], badCalls: [] });
    });
  }
});

describe("the purity check itself", () => {
  it("would catch a forbidden import", () => {
    const sample = `import { readFileSync } from "node:fs";\nimport { Hono } from "hono";\nimport x from "../../runner/store/sqlite.ts";`;
    const imports = [...sample.matchAll(/from\s+["']([^"']+)["']/g)].map((m) => m[1] ?? "");
    expect(imports.filter((i) => FORBIDDEN_IMPORTS.some((re) => re.test(i)))).toEqual(["node:fs", "hono", "../../runner/store/sqlite.ts"]);
  });
});
