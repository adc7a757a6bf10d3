import { describe, expect, it } from "vitest";
import type { CaseComparison, Comparison } from "../../../runner/integrator/compare.ts";
import { formatMarkdown } from "../../../runner/integrator/diff-report.ts";

const side = (name: string) => ({ name, run: { errors: [], cases: [] } });

function changedCase(i: number, fields: number): CaseComparison {
  return {
    suite: "mappings/orders/aspos-order-to-afas.test.yaml", name: `case ${i}`, status: "changed", newlyFailing: false, fixed: false, failures: [],
    effects: [{ effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: Array.from({ length: fields }, (_, f) => ({ path: `payload.Field${f}`, before: "x".repeat(80), after: "y".repeat(80) })) }],
  };
}

describe("koppel diff --format markdown", () => {
  it("fits a pull-request comment: long tables and lists are cut with a count, the whole stays under GitHub's limit", () => {
    const unchanged: CaseComparison[] = Array.from({ length: 40 }, (_, i) => ({ ...changedCase(1000 + i, 0), status: "unchanged", effects: [] }));
    const cases = [...Array.from({ length: 200 }, (_, i) => changedCase(i, 40)), ...unchanged];
    const comparison: Comparison = { cases, errors: { base: [], head: [] }, summary: { changed: 200, unchanged: 40, newlyFailing: 0, added: 0, removed: 0, fixed: 0 } };
    const md = formatMarkdown({ base: side("main"), head: side("working tree"), comparison });
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md.startsWith("### Koppel diff: `main` → `working tree`\n\n**200 changed, 40 unchanged, 0 newly failing**")).toBe(true);
    expect(md).toContain("… and 15 more changed fields (koppel diff --format text shows them all)");
    expect(md.endsWith("… cut to fit a pull-request comment; run koppel diff locally for the rest.")).toBe(true);

    const small = formatMarkdown({ base: side("main"), head: side("working tree"), comparison: { ...comparison, cases: [changedCase(1, 2), ...unchanged] } });
    expect(small).toContain("- … and 15 more\n\n</details>");
  });
});
