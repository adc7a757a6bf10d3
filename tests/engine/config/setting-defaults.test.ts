import { describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../memory-host.ts";

const FLOW = `flow: target
trigger: { webhook: { source: aspos, events: [order.created] } }
steps:
  - id: where
    set:
      to: "$settings.orderTarget & '/' & $settings.receiptTarget"
`;

describe("settings the config schema gives a default for", () => {
  it("hold that default when the config leaves them out, so a flow reading them loads and reads it", () => {
    const { project, errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/target.flow.yaml": FLOW }, BASE_ENV));
    expect(errors.map((e) => e.format())).toEqual([]);
    expect(project!.config.settings).toMatchObject({ orderTarget: "salesOrder", receiptTarget: "none", administrationId: 1 });
  });

  it("keep the config's own value", () => {
    const config = BASE_CONFIG.replace("settings:\n", "settings:\n  orderTarget: directInvoice\n  receiptTarget: financialEntry\n");
    const { project } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": config, "flows/target.flow.yaml": FLOW }, BASE_ENV));
    expect(project!.config.settings).toMatchObject({ orderTarget: "directInvoice", receiptTarget: "financialEntry" });
  });

  it("do not make other settings known: one the config does not have is still UNKNOWN_SETTING", () => {
    const flow = FLOW.replace("$settings.receiptTarget", "$settings.recieptTarget");
    const { errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/target.flow.yaml": flow }, BASE_ENV));
    expect(errors.map((e) => e.format())).toEqual([expect.stringContaining('UNKNOWN_SETTING setting "recieptTarget" is not under settings: in the config (did you mean "receiptTarget"?)')]);
  });
});
