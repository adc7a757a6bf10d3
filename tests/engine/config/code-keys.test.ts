import { describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { parseYaml } from "../../../engine/config/yaml-source.ts";
import { mapValue } from "../../../engine/transform/functions.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../memory-host.ts";

const config = BASE_CONFIG.replace(
  "maps:\n",
  `maps:
  warehouseByStore: { 030: "02", 7: "07", "040": "04", 0x1A: hex }
`,
);
const flow = `flow: sample
steps:
  - id: wh
    set: { code: "$mapValue('warehouseByStore', store)" }
`;

describe("map keys are names, whatever they look like", () => {
  const { project, errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": config, "flows/sample.flow.yaml": flow }, BASE_ENV));

  it("keeps a code's leading zero: 030 answers to \"030\", not to \"30\"", () => {
    expect(errors).toEqual([]);
    const table = project!.config.maps!.warehouseByStore!;
    expect(Object.keys(table).sort()).toEqual(["030", "040", "26", "7"]);
    const env = { maps: project!.config.maps!, timezone: "Europe/Amsterdam", now: () => 0 };
    expect(mapValue(env, "warehouseByStore", "030")).toBe("02");
    expect(mapValue(env, "warehouseByStore", 7)).toBe("07");
    expect(() => mapValue(env, "warehouseByStore", "30")).toThrow(/no key "30"/);
  });

  it("takes 030 and 30 as two keys, and still refuses a key written twice", () => {
    expect(parseYaml("m.yaml", "030: a\n30: b\n").source?.value).toEqual({ "030": "a", 30: "b" });
    for (const twice of ["01: a\n01: b\n", "a: 1\na: 2\n"]) {
      expect(parseYaml("m.yaml", twice).errors.map((e) => e.code)).toEqual(["YAML_SYNTAX"]);
    }
  });
});
