import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { appendCase, caseNames } from "../../../runner/integrator/append-case.ts";

/** Written by hand the way integrators do: what a parse-and-print round trip reflows. */
const EXISTING = `# yaml-language-server: $schema=../../schemas/test.schema.json
cases:
  - name: "[customer-update] phone change updates the linked debtor"
    input: fixtures/customer-updated-company.json
    mocks:
      items: [{ ItemCode: "601826" }, { ItemCode: "200114" }]
      debtor.lookup:
        { DbId: "20045", BcCo: "1000612", DebtorType: "O", Name: "Bakkerij De Kroon B.V.",
          Phone: "+31 30 123 4567", HouseNumber: 12 }
    expect:
      outcome: done
      effects: fixtures/customer-updated-company.expected.json

  - name: "[loop-guard] a write by Koppel itself is skipped"
    input:
      data:
        changedFields: [customFields]
    expect:
      outcome: skipped
      reason: "a write by Koppel itself"
      effects: []
`;

const NEW_CASE = { name: "order from run 42 (done)", input: "fixtures/run-42.json", now: "2025-03-02T08:00:00.000Z", mocks: { items: [{ ItemCode: "601826" }] }, expect: { outcome: "done", effects: "fixtures/run-42.expected.json" } };

/** What appendCase added, after checking that everything before it is the existing text unchanged. */
function appended(existing: string, result: string): string {
  expect(result.startsWith(existing)).toBe(true);
  return result.slice(existing.length);
}

describe("appending a case to a test file", () => {
  it("keeps a test file byte for byte (multi-line flow mappings, [{ … }] lists) and adds the case set apart like the others", () => {
    const existing = EXISTING;
    const result = appendCase(existing, NEW_CASE);
    expect(appended(existing, result)).toBe(
      [
        "",
        "  - name: order from run 42 (done)",
        "    input: fixtures/run-42.json",
        "    now: 2025-03-02T08:00:00.000Z",
        "    mocks:",
        "      items:",
        '        - ItemCode: "601826"',
        "    expect:",
        "      outcome: done",
        "      effects: fixtures/run-42.expected.json",
        "",
      ].join("\n"),
    );
    const cases = (parse(result) as { cases: unknown[] }).cases;
    expect(cases).toHaveLength(caseNames(existing).length + 1);
    expect(cases.at(-1)).toEqual(NEW_CASE);
  });

  it("follows the file's own separation and indentation", () => {
    const tight = "cases:\n- name: a\n  input: {}\n  expect: { outcome: done, effects: [] }\n- name: b\n  input: {}\n  expect: { outcome: done, effects: [] }\n";
    const added = appended(tight, appendCase(tight, NEW_CASE));
    expect(added.startsWith("- name: order from run 42 (done)\n  input: fixtures/run-42.json\n")).toBe(true);
    expect(caseNames(appendCase(tight, NEW_CASE))).toEqual(["a", "b", NEW_CASE.name]);
  });

  it("puts the case after the last one's own comments, before what follows the list, and ends an unterminated last line", () => {
    const text = "cases:\n  - name: a\n    input: {}\n    expect: { outcome: done, effects: [] }\n    # a's note\n# the end\n";
    const result = appendCase(text, NEW_CASE);
    expect(result.startsWith("cases:\n  - name: a\n    input: {}\n    expect: { outcome: done, effects: [] }\n    # a's note\n\n  - name: order from run 42")).toBe(true);
    expect(result.endsWith("      effects: fixtures/run-42.expected.json\n# the end\n")).toBe(true);

    const unterminated = "cases:\n  - name: a\n    expect: { outcome: done, effects: [] }";
    expect(appended(unterminated, appendCase(unterminated, NEW_CASE)).startsWith("\n\n  - name: order from run 42")).toBe(true);
  });

  it("turns an empty `cases: []` into a list holding the case", () => {
    const result = appendCase("# header\ncases: []\n", NEW_CASE);
    expect(result.startsWith("# header\ncases:\n  - name: order from run 42 (done)\n")).toBe(true);
    expect((parse(result) as { cases: unknown[] }).cases).toEqual([NEW_CASE]);
  });
});
