import { describe, expect, it } from "vitest";
import { hasKey, schemaKey } from "../../../engine/flow/record-key.ts";

describe("record keys", () => {
  it("reads x-key from a schema, and none from a schema without one", () => {
    expect(schemaKey({ type: "object", "x-key": ["UnId", "JoCo"] })).toEqual(["UnId", "JoCo"]);
    expect(schemaKey({ type: "object" })).toEqual([]);
    expect(schemaKey(null)).toEqual([]);
  });

  it("an upsert updates only when every key field has a value; null and empty text are no key", () => {
    expect(hasKey({ DbId: "30001", Nm: "x" }, ["DbId"])).toBe(true);
    expect(hasKey({ UnId: 1, JoCo: "70" }, ["UnId", "JoCo"])).toBe(true);
    expect(hasKey({ UnId: 1 }, ["UnId", "JoCo"])).toBe(false);
    expect(hasKey({ DbId: null }, ["DbId"])).toBe(false);
    expect(hasKey({ DbId: "" }, ["DbId"])).toBe(false);
    expect(hasKey({ DbId: 0 }, ["DbId"])).toBe(true);
    expect(hasKey({ DbId: "1" }, [])).toBe(false);
  });
});
