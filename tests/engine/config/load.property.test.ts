import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { ERROR_CODES } from "../../../common/errors.ts";
import { memoryHost } from "../memory-host.ts";

const MINI = resolve(import.meta.dirname, "../../fixtures/mini-project");
const FLOW_PATH = "mappings/orders/aspos-order-to-afas.flow.yaml";
const CUSTOMER_PATH = "mappings/customers/customer-to-afas-debtor.flow.yaml";
const CONFIG = readFileSync(resolve(MINI, "mapping.config.yaml"), "utf8");
const FLOW = readFileSync(resolve(MINI, FLOW_PATH), "utf8");
const CUSTOMER = readFileSync(resolve(MINI, CUSTOMER_PATH), "utf8");
const ENV = {
  AFAS_BASE_URL: "http://127.0.0.1:1/ProfitRestServices", AFAS_TOKEN: "t", ASPOS_URL: "http://127.0.0.1:2", ASPOS_CLIENT_ID: "c",
  ASPOS_CLIENT_SECRET: "s", ASPOS_WEBHOOK_SECRET: "w", AFAS_WEBHOOK_SECRET: "a",
};
const FORMATTED = /^[^\s:]+:\d+:\d+ [A-Z_]+ \S/;

/** Loads the project with one file replaced; the load must answer, never throw. */
function loadWith(path: string, text: string) {
  const files = { "mapping.config.yaml": CONFIG, [FLOW_PATH]: FLOW, [CUSTOMER_PATH]: CUSTOMER, [path]: text };
  return loadProject("/project/mapping.config.yaml", memoryHost(files, ENV));
}

function expectClearRefusalOrProject(path: string, text: string): void {
  const { project, errors } = loadWith(path, text);
  if (project) return;
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(Object.keys(ERROR_CODES)).toContain(e.code);
    expect(e.format()).toMatch(FORMATTED);
  }
}

/** Characters that matter to YAML and JSONata, plus some that matter to neither. */
const yamlish = fc.string({ maxLength: 12, unit: fc.constantFrom(":", "-", " ", "\n", "\t", "&", "*", "!", "{", "}", "[", "]", "'", '"', "#", "|", ">", "$", "(", ")", "%", "@", "a", "1", "é", "\u0000", "\\") });

/** An edit at a random place: insert text, or cut a slice out. */
function edited(text: string) {
  return fc.oneof(
    fc.tuple(fc.nat({ max: text.length }), yamlish).map(([at, s]) => text.slice(0, at) + s + text.slice(at)),
    fc.tuple(fc.nat({ max: text.length }), fc.nat({ max: 40 })).map(([at, n]) => text.slice(0, at) + text.slice(at + n)),
  );
}

describe("property: any config or flow text loads or is refused with file:line:col CODE message", () => {
  it("random edits of a shipped flow", () => {
    fc.assert(fc.property(edited(FLOW), (text) => expectClearRefusalOrProject(FLOW_PATH, text)), { numRuns: 40 });
  });

  it("random edits of mapping.config.yaml", () => {
    fc.assert(fc.property(edited(CONFIG), (text) => expectClearRefusalOrProject("mapping.config.yaml", text)), { numRuns: 40 });
  });

  it("arbitrary YAML documents as a flow or as the config", () => {
    const doc = fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v));
    fc.assert(fc.property(doc, fc.constantFrom(FLOW_PATH, "mapping.config.yaml"), (text, path) => expectClearRefusalOrProject(path, text)), { numRuns: 40 });
  });

  it("arbitrary values in every step key of a flow", () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), yamlish);
    const key = fc.constantFrom("id", "when", "find", "send", "op", "fields", "set", "skip", "fail", "reason", "each", "call", "with", "where", "one", "body", "output");
    const flow = fc.array(fc.dictionary(key, value, { maxKeys: 4 }), { maxLength: 4 }).map((steps) => stringify({ flow: "aspos-order-to-afas", steps }));
    fc.assert(fc.property(flow, (text) => expectClearRefusalOrProject(FLOW_PATH, text)), { numRuns: 40 });
  });
});
