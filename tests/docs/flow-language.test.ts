import { readdirSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSchemaDocs } from "../../scripts/schema-docs.ts";

describe("docs/flow-language.md", () => {
  it("matches the schemas (run `npm run docs` after changing a schema)", () => {
    const onDisk = readFileSync(resolve(import.meta.dirname, "../../docs/flow-language.md"), "utf8");
    expect(onDisk).toBe(renderSchemaDocs());
  });

  it("documents every step kind and every top-level config key", () => {
    const doc = renderSchemaDocs();
    for (const kind of ["find", "send", "set", "skip", "fail", "each", "call"]) expect(doc).toContain(`### ${kind} step`);
    for (const key of ["connections", "webhooks", "settings", "maps", "flows", "store", "logging", "alerts"]) expect(doc).toContain(`| \`${key}\` |`);
  });
});

describe("editor support", () => {
  it("every shipped YAML names its schema in a yaml-language-server modeline", () => {
    const root = resolve(import.meta.dirname, "../..");
    const files = ["mapping.config.yaml", ...listYaml(resolve(root, "mappings"), root), ...listYaml(resolve(root, "bench"), root)];
    expect(files.length).toBeGreaterThan(3);
    const missing = files.filter((f) => !/^# yaml-language-server: \$schema=\S+\.schema\.json$/m.test(readFileSync(resolve(root, f), "utf8")));
    expect(missing).toEqual([]);
  });
});

function listYaml(dir: string, root: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".yaml")).map((f) => relative(root, resolve(dir, f)));
}
