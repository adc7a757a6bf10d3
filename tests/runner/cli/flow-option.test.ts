import { describe, expect, it } from "vitest";
import { unknownFlow } from "../../../runner/cli/flow-option.ts";

const flows = new Map<string, { trigger?: unknown; calls?: readonly string[] }>([
  ["aspos-order-to-afas", { trigger: { webhook: { source: "aspos" } }, calls: ["customer-to-afas-debtor"] }],
  ["afas-order-to-aspos", { trigger: { webhook: { source: "afas" } }, calls: ["customer-to-afas-debtor"] }],
  ["customer-to-afas-debtor", { calls: [] }],
]);

describe("--flow", () => {
  it("takes a flow with a trigger, and one that has a trigger at either revision", () => {
    expect(unknownFlow("aspos-order-to-afas", flows)).toBeUndefined();
    expect(unknownFlow("customer-to-afas-debtor", flows, new Map([["customer-to-afas-debtor", { trigger: {} }]]))).toBeUndefined();
  });

  it("refuses a sub-flow, which has no runs of its own, and names the flows whose runs it is part of", () => {
    expect(unknownFlow("customer-to-afas-debtor", flows)).toBe(
      "--flow: customer-to-afas-debtor has no trigger of its own: it runs inside the flows that call it (afas-order-to-aspos, aspos-order-to-afas), so no run is customer-to-afas-debtor's; name one of those",
    );
  });

  it("refuses a name no flow has, with the nearest one", () => {
    expect(unknownFlow("aspos-order-to-afsa", flows)).toBe('--flow: no flow named "aspos-order-to-afsa" in the mappings; did you mean aspos-order-to-afas?');
  });
});
