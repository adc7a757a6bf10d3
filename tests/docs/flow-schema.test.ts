import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../engine/config/load.ts";
import { renderFlowSchema } from "../../scripts/flow-schema-targets.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../engine/memory-host.ts";

type Node = { properties?: Record<string, Node>; description?: string; examples?: unknown[]; anyOf?: Node[]; enum?: string[]; allOf?: Node[]; if?: Node; then?: Node; const?: string };
const FILE = resolve(import.meta.dirname, "../../schemas/flow.schema.json");
const schema = JSON.parse(readFileSync(FILE, "utf8")) as { $defs: Record<string, Node> };
const targetDoc = (target: string) => schema.$defs.sendTargets!.allOf!.find((b) => b.if!.properties!.send!.const === target)!.then!;

describe("schemas/flow.schema.json: completion per send target", () => {
  it("is up to date with schemas/afas and schemas/aspos (run npx tsx scripts/gen-flow-schema.ts)", () => {
    expect(readFileSync(FILE, "utf8")).toBe(renderFlowSchema());
  });

  it("offers each target's field ids with their descriptions and allowed values, nested objects too", () => {
    const sales = targetDoc("afas.FbSales");
    expect(sales.properties!.fields!.properties!.OrDa!.description).toMatch(/^Order date/);
    expect(Object.keys(sales.properties!.fields!.properties!)).toEqual(expect.arrayContaining(["DbId", "OrDa", "War", "RfCs"]));
    expect(sales.properties!.fields!.properties!.DeCo).toMatchObject({ examples: ["'0'", "'1'", "'2'", "'3'"] });
    expect(Object.keys(sales.properties!.objects!.properties!.FbSalesLines!.properties!.fields!.properties!)).toEqual(expect.arrayContaining(["VaIt", "ItCd", "QuUn"]));
    expect(Object.keys(targetDoc("aspos.orders").properties!.fields!.properties!)).toEqual(expect.arrayContaining(["externalNumber", "storeId"]));
  });

  it("offers the AsPos event types for a webhook's events", () => {
    expect(schema.$defs.webhookEvent!.anyOf![0]!.enum).toEqual(expect.arrayContaining(["order.created", "order.paid", "customer.updated", "stock.changed"]));
  });

  it("only annotates: a field's value is still any expression, and an event of another source is allowed", () => {
    const flow = `flow: sample
trigger:
  webhook: { source: shop, events: [basket.abandoned] }
steps:
  - send: afas.FbSales
    fields: { DeCo: "$settings.deliveryCondition", DbId: number, OrDa: 20250301 }
`;
    const config = BASE_CONFIG.replace("webhooks:\n", 'webhooks:\n  shop: { verify: none, allowIps: ["127.0.0.1/32"] }\n').replace("settings:\n", "settings:\n  deliveryCondition: null\n");
    const { errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": config, "flows/a.flow.yaml": flow }, BASE_ENV));
    expect(errors.map((e) => e.format())).toEqual([]);
  });
});
