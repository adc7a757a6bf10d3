import { describe, expect, it } from "vitest";
import { clearValue } from "../../../engine/flow/clear-value.ts";

describe("the value that empties a target field (clear)", () => {
  it("is null where the schema admits null, else an empty text where it admits one, else none", () => {
    expect(clearValue({ type: ["string", "null"] })).toBeNull();
    expect(clearValue({ type: "string", maxLength: 15 } as never)).toBe("");
    expect(clearValue({ type: "string", minLength: 1 })).toBeUndefined();
    expect(clearValue({ type: "string", format: "email" })).toBeUndefined();
    expect(clearValue({ enum: ["0", "1"] })).toBeUndefined();
    expect(clearValue({ type: "integer" })).toBeUndefined();
    expect(clearValue({ $ref: "common.schema.json#/$defs/id" })).toBeUndefined();
  });

  it("reads alternatives: one that admits null or an empty text is enough, one that admits neither is not", () => {
    expect(clearValue({ anyOf: [{ type: "string", minLength: 1 }, { type: "null" }] })).toBeNull();
    expect(clearValue({ oneOf: [{ type: "integer" }, { type: "string" }] })).toBe("");
    // No type at the top: the alternatives decide, not "anything goes".
    expect(clearValue({ anyOf: [{ type: "string", minLength: 1 }] })).toBeUndefined();
  });
});
