import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createAfasConnector, getMetainfoToSchema, mergeProse, readGetMetainfo, readUpdateMetainfo, updateMetainfoToSchema } from "../../runner/connectors/afas/index.ts";
import { afasSchemasCommand } from "../../runner/cli/afas-schemas.ts";
import { DEFAULT_SCHEMA_DIR, loadAfasSchemas, SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; required?: string[] };

/**
 * Differences between a hand-kept schema and one generated from metainfo that are expected,
 * because metainfo cannot carry them:
 *  1. `required` lists only fields: Profit has no mandatory flag for nested objects, so a required
 *     KnOrganisation/KnPerson/FiEntries is not required in the generated schema.
 *  2. `pattern` (GuLi's brace format) is Koppel's own check; metainfo knows only a length.
 *  3. GetConnector metainfo has no key flag; the generator takes the first field, so Koppel_Stock's
 *     compound key (ItemCode, Warehouse) comes back as ItemCode alone.
 * Prose (descriptions, examples, $id) is carried over by mergeProse, as `koppel afas schemas` does.
 */
function withoutExplainedDifferences(schema: Schema, isRoot = true): Schema {
  const { pattern: _pattern, ...rest } = schema;
  const out: Schema = { ...rest };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, withoutExplainedDifferences(v, false)]));
    const objects = new Set(Object.entries(schema.properties).filter(([, v]) => v.type === "object" || v.type === "array").map(([k]) => k));
    const required = (schema.required ?? []).filter((r) => !objects.has(r));
    if (required.length) out.required = required;
    else delete out.required;
  }
  if (schema.items) out.items = withoutExplainedDifferences(schema.items, false);
  if (isRoot) delete out["x-key"];
  return out;
}

describe("schemas generated from the simulator's metainfo", () => {
  let sim: RunningAfasSimulator;
  beforeAll(async () => { sim = await startAfasSimulator(); });
  afterAll(async () => { await sim.close(); });
  const http = () => createAfasConnector("afas", { type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN }).http;
  const hand = loadAfasSchemas();

  it.each([...hand.update.keys()])("UpdateConnector %s matches the hand-kept schema up to the explained differences", async (id) => {
    const existing = hand.update.get(id) as Schema;
    const generated = mergeProse(updateMetainfoToSchema(await readUpdateMetainfo(http(), id)), existing) as Schema;
    expect(generated["x-key"]).toEqual(existing["x-key"]);
    expect(withoutExplainedDifferences(generated)).toEqual(withoutExplainedDifferences(existing));
  });

  it.each([...hand.get.keys()])("GetConnector %s matches the hand-kept schema up to the explained differences", async (id) => {
    const existing = hand.get.get(id) as Schema;
    const generated = mergeProse(getMetainfoToSchema(await readGetMetainfo(http(), id)), existing) as Schema;
    const key = existing["x-key"] as string[];
    expect(generated["x-key"]).toEqual(key.slice(0, 1));
    expect(withoutExplainedDifferences(generated)).toEqual(withoutExplainedDifferences(existing));
  });

  it("the explained differences really occur, so the list above stays honest", async () => {
    const org = updateMetainfoToSchema(await readUpdateMetainfo(http(), "KnSalesRelationOrg")) as Schema;
    expect(org.required).toEqual(["CuId"]);
    const sales = updateMetainfoToSchema(await readUpdateMetainfo(http(), "FbSales")) as Schema;
    expect(sales.properties!.FbSalesLines!.items!.properties!.GuLi).not.toHaveProperty("pattern");
    expect(getMetainfoToSchema(await readGetMetainfo(http(), "Koppel_Stock"))["x-key"]).toEqual(["ItemCode"]);
  });

  it("generated schemas compile under ajv strict mode with x-key", async () => {
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    ajv.addKeyword("x-key");
    for (const id of hand.update.keys()) ajv.compile(updateMetainfoToSchema(await readUpdateMetainfo(http(), id)));
    for (const id of hand.get.keys()) ajv.compile(getMetainfoToSchema(await readGetMetainfo(http(), id)));
  });

  it("`koppel afas schemas --check` finds the shipped schemas up to date except the explained ones, and writes a custom field", async () => {
    const out = mkdtempSync(join(tmpdir(), "afas-schemas-"));
    cpSync(DEFAULT_SCHEMA_DIR, out, { recursive: true });
    const env = { ...process.env };
    process.env.AFAS_BASE_URL = sim.baseUrl;
    process.env.AFAS_TOKEN = SANDBOX_TOKEN;
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => { lines.push(String(chunk)); return true; }) as typeof process.stdout.write;
    try {
      expect(await afasSchemasCommand(["--out", out, "--check", "FbStockMutation", "Koppel_Items"])).toBe(0);
      sim.control.renameField("Koppel_Items", "Barcode", "U1A2B3C4D5E6F708192A3B4C5D6E7F809");
      expect(await afasSchemasCommand(["--out", out, "Koppel_Items"])).toBe(0);
      const written = JSON.parse(readFileSync(join(out, "get", "Koppel_Items.schema.json"), "utf8")) as Schema;
      expect(Object.keys(written.properties!)).toContain("U1A2B3C4D5E6F708192A3B4C5D6E7F809");
      expect(written.properties!.ItemCode!.description).toBe("Item code (the AsPos SKU).");
      expect(written.$id).toBe("https://koppel.dev/schemas/afas/get/Koppel_Items.schema.json");
      writeFileSync(join(out, "FbStockMutation.schema.json"), "{}\n");
      expect(await afasSchemasCommand(["--out", out, "--check", "FbStockMutation"])).toBe(1);
      expect(lines.join("")).toContain("would change");
    } finally {
      process.stdout.write = write;
      process.env = env;
      sim.control.restoreMetainfo();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
