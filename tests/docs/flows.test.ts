import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { collectCases, renderFlowsDoc, seedTableRows, uncoveredRows, unknownTags } from "../../scripts/flows-doc.ts";
import { FEATURE_ROWS } from "../../scripts/seed-features.ts";

const root = resolve(import.meta.dirname, "../..");

describe("docs/flows.md", () => {
  it("matches the fixture tests (run `npx tsx scripts/gen-flows-doc.ts` after changing a case name)", () => {
    const onDisk = readFileSync(resolve(root, "docs/flows.md"), "utf8");
    expect(onDisk).toBe(renderFlowsDoc());
  });

  it("every feature row has at least one fixture case", () => {
    expect(uncoveredRows().map((r) => r.tag)).toEqual([]);
  });

  it("every tag in a case name is a feature row", () => {
    expect(unknownTags()).toEqual([]);
  });

  it("tags are unique", () => {
    const tags = FEATURE_ROWS.map((r) => r.tag);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it("finds the shipped cases", () => {
    expect(collectCases().length).toBeGreaterThan(20);
  });

  // CI has ../shared beside the clone; when the reference is there, the committed list must hold each of its rows.
  const reference = resolve(root, "../shared/reference/seed-features.md");
  it.skipIf(!existsSync(reference))("the committed rows cover every table row of shared/reference/seed-features.md", () => {
    const seeds = new Set(FEATURE_ROWS.map((r) => r.seed).filter(Boolean));
    const missing = seedTableRows(readFileSync(reference, "utf8")).filter((row) => !seeds.has(row));
    expect(missing).toEqual([]);
  });
});
