import { describe, expect, it } from "vitest";
import { compareEffects } from "../../../engine/flow/compare-effects.ts";
import { redactChanges } from "../../../runner/privacy/redact-changes.ts";
import { createRedactor, MASK } from "../../../runner/privacy/redact.ts";

const before = [{ step: "order", send: "afas.FbSales", op: "insert" as const, payload: { OrNu: "1", Re: "door", Old: "x" } }];
const after = [{ step: "order", send: "afas.FbSales", op: "insert" as const, payload: { OrNu: "1", Re: "DOOR", New: "y" } }];

describe("changes as the activity log shows them", () => {
  it("with payloads: none, keeps each changed path and which sides it has, and no value", () => {
    const changes = redactChanges(compareEffects(before, after), before, after, createRedactor({ payloads: "none" }));
    expect(changes).toHaveLength(1);
    expect(changes[0]!.fields).toEqual(expect.arrayContaining([
      { path: "payload.Re", before: MASK, after: MASK },
      { path: "payload.Old", before: MASK },
      { path: "payload.New", after: MASK },
    ]));
    expect(JSON.stringify(changes)).not.toMatch(/door|DOOR|"x"|"y"/);
  });

  it("with payloads: full, keeps the values", () => {
    const changes = redactChanges(compareEffects(before, after), before, after, createRedactor({ payloads: "full" }));
    expect(changes[0]!.fields).toContainEqual({ path: "payload.Re", before: "door", after: "DOOR" });
  });
});
