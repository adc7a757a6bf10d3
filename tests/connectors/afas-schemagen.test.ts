import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createAfasConnector, getMetainfoToSchema, mergeProse, readGetMetainfo, readUpdateMetainfo, updateMetainfoToSchema } from "../../runner/connectors/afas/index.ts";
import { afasSchemasCommand } from "../../runner/cli/afas-schemas.ts";
import { applyOverlay } from "../../runner/connectors/afas/schema-overlay.ts";
import { bufferIO } from "../../runner/cli/io.ts";
import { DEFAULT_SCHEMA_DIR, loadAfasSchemas, SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; required?: string[] };

/** What metainfo cannot carry (patterns, required sub-objects, compound keys), kept by hand. */
const OVERLAY = JSON.parse(readFileSync(join(DEFAULT_SCHEMA_DIR, "overlay.json"), "utf8")) as Record<string, unknown>;

describe("schemas generated from the simulator's metainfo", () => {
  let sim: RunningAfasSimulator;
  beforeAll(async () => { sim = await startAfasSimulator(); });
  afterAll(async () => { await sim.close(); });
  const http = () => createAfasConnector("afas", { type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN }).http;
  const hand = loadAfasSchemas();

  it.each([...hand.update.keys()])("UpdateConnector %s regenerates to the shipped schema, with the overlay", async (id) => {
    const existing = hand.update.get(id) as Schema;
    expect(mergeProse(applyOverlay(updateMetainfoToSchema(await readUpdateMetainfo(http(), id)), OVERLAY[id]), existing)).toEqual(existing);
  });

  it.each([...hand.get.keys()])("GetConnector %s regenerates to the shipped schema, with the overlay", async (id) => {
    const existing = hand.get.get(id) as Schema;
    expect(mergeProse(applyOverlay(getMetainfoToSchema(await readGetMetainfo(http(), id)), OVERLAY[`get/${id}`]), existing)).toEqual(existing);
  });

  it("the overlay holds only what metainfo really lacks", async () => {
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

  /** A copy of the shipped schema folder, the command pointed at the simulator, and its output. */
  async function inSchemaCopy(run: (out: string, io: ReturnType<typeof bufferIO>) => Promise<void>): Promise<void> {
    const out = mkdtempSync(join(tmpdir(), "afas-schemas-"));
    cpSync(DEFAULT_SCHEMA_DIR, out, { recursive: true });
    const env = { ...process.env };
    process.env.AFAS_BASE_URL = sim.baseUrl;
    process.env.AFAS_TOKEN = SANDBOX_TOKEN;
    try {
      await run(out, bufferIO());
    } finally {
      process.env = env;
      sim.control.restoreMetainfo();
      rmSync(out, { recursive: true, force: true });
    }
  }

  it("`koppel afas schemas` writes a custom field and keeps the prose", () =>
    inSchemaCopy(async (out, io) => {
      expect(await afasSchemasCommand(["--out", out, "--check", "FbStockMutation", "Koppel_Items"], io)).toBe(0);
      sim.control.renameField("Koppel_Items", "Barcode", "U1A2B3C4D5E6F708192A3B4C5D6E7F809");
      expect(await afasSchemasCommand(["--out", out, "Koppel_Items"], io)).toBe(0);
      const written = JSON.parse(readFileSync(join(out, "get", "Koppel_Items.schema.json"), "utf8")) as Schema;
      expect(Object.keys(written.properties!)).toContain("U1A2B3C4D5E6F708192A3B4C5D6E7F809");
      expect(written.properties!.ItemCode!.description).toBe("Item code (the AsPos SKU).");
      expect(written.$id).toBe("https://koppel.dev/schemas/afas/get/Koppel_Items.schema.json");
      writeFileSync(join(out, "FbStockMutation.schema.json"), "{}\n");
      expect(await afasSchemasCommand(["--out", out, "--check", "FbStockMutation"], io)).toBe(1);
      expect(io.stdout()).toContain("would change");
    }));

  it("in a mapping repository with no schemas/afas yet, writes what Koppel ships: its overlay and prose apply", async () => {
    const out = mkdtempSync(join(tmpdir(), "afas-schemas-empty-"));
    const env = { ...process.env };
    process.env.AFAS_BASE_URL = sim.baseUrl;
    process.env.AFAS_TOKEN = SANDBOX_TOKEN;
    try {
      expect(await afasSchemasCommand(["--out", out], bufferIO())).toBe(0);
      const shipped = ["FbSales.schema.json", "KnSalesRelationOrg.schema.json", "get/Koppel_Stock.schema.json"];
      for (const rel of shipped) expect(readFileSync(join(out, rel), "utf8")).toBe(readFileSync(join(DEFAULT_SCHEMA_DIR, rel), "utf8"));
    } finally {
      process.env = env;
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("`--check` is green on the shipped schemas (a fresh clone) and names each field that would change", () =>
    inSchemaCopy(async (out, io) => {
      expect(await afasSchemasCommand(["--out", out, "--check"], io)).toBe(0);
      expect(io.stdout()).toMatch(/\d+ schemas, 0 out of date\n$/);
      const file = join(out, "FbSales.schema.json");
      writeFileSync(file, readFileSync(file, "utf8").replace('"maxLength": 38,', '"maxLength": 40,'));
      const changed = bufferIO();
      expect(await afasSchemasCommand(["--out", out, "--check", "FbSales"], changed)).toBe(1);
      expect(changed.stdout()).toContain(`would change ${file}\n  properties.FbSalesLines.items.properties.GuLi.maxLength: 40 → 38\n`);
    }));
});
