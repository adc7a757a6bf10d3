import { readFileSync } from "node:fs";
import { resolve } from "node:path";
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
