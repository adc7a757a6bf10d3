import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderFlowTypes } from "../../scripts/schema-types.ts";

describe("engine/flow/flow-document.ts", () => {
  it("matches schemas/flow.schema.json (run `npm run docs` after changing the schema)", () => {
    const onDisk = readFileSync(resolve(import.meta.dirname, "../../engine/flow/flow-document.ts"), "utf8");
    expect(onDisk).toBe(renderFlowTypes());
  });

  it("renders a schema change into the types", () => {
    const schema = {
      type: "object",
      required: ["flow"],
      properties: { flow: { type: "string" }, retries: { type: "integer" }, mode: { enum: ["a", "b"] }, tags: { type: "array", items: { type: "string" } }, steps: { type: "array", items: { $ref: "#/$defs/step" } } },
      additionalProperties: false,
      $defs: {
        step: { allOf: [{ if: { required: ["x"] }, then: { $ref: "#/$defs/xStep" } }, { if: {}, then: { $ref: "#/$defs/none" } }] },
        xStep: { type: "object", properties: { x: { type: "string" } } },
        none: { not: true },
        editorOnly: { description: "named by no type" },
      },
    };
    const text = renderFlowTypes(schema);
    expect(text).toContain("readonly flow: string;");
    expect(text).toContain("readonly retries?: number;");
    expect(text).toContain('readonly mode?: "a" | "b";');
    expect(text).toContain("readonly tags?: readonly string[];");
    expect(text).toContain("export type Step = XStep | None;");
    expect(text).toContain("export type None = never;");
    expect(text).toContain("readonly steps?: readonly Step[];");
    expect(text).toContain("export interface XStep {");
    expect(text).not.toContain("EditorOnly");
  });
});
