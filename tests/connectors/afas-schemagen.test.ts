import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createAfasConnector, getMetainfoToSchema, mergeProse, readGetMetainfo, readUpdateMetainfo, updateMetainfoToSchema } from "../../runner/connectors/afas/index.ts";
import { afasSchemasCommand } from "../../runner/cli/afas-schemas.ts";
import { applyOverlay } from "../../runner/connectors/afas/schema-overlay.ts";
import { bufferIO } from "../../runner/cli/io.ts";
import { DEFAULT_SCHEMA_DIR, loadAfasSchemas, SANDBOX_OAUTH_CLIENT, SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

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

  it("`koppel afas schemas` signs in with OAuth where AFAS_CLIENT_ID and AFAS_CLIENT_SECRET are set, as classic tokens end in 2027", () =>
    inSchemaCopy(async (out, io) => {
      delete process.env.AFAS_TOKEN;
      Object.assign(process.env, { AFAS_CLIENT_ID: SANDBOX_OAUTH_CLIENT.clientId, AFAS_CLIENT_SECRET: SANDBOX_OAUTH_CLIENT.clientSecret });
      const asked = sim.state.oauth.requests;
      expect(await afasSchemasCommand(["--out", out, "--check", "FbStockMutation", "Koppel_Items"], io)).toBe(0);
      expect(sim.state.oauth.requests).toBeGreaterThan(asked);
      process.env.AFAS_CLIENT_SECRET = "wrong";
      const refused = bufferIO();
      expect(await afasSchemasCommand(["--out", out, "--check", "Koppel_Items"], refused)).toBe(1);
      expect(refused.stderr()).toContain("invalid_client");
    }));

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

  /** A mapping repository as `koppel init` makes it: no schemas/afas of its own, the shipped ones in effect. */
  async function inMappingRepo(run: (out: string) => Promise<void>): Promise<void> {
    const repo = mkdtempSync(join(tmpdir(), "afas-schemas-repo-"));
    const env = { ...process.env };
    process.env.AFAS_BASE_URL = sim.baseUrl;
    process.env.AFAS_TOKEN = SANDBOX_TOKEN;
    try {
      await run(join(repo, "schemas", "afas"));
    } finally {
      process.env = env;
      sim.control.restoreMetainfo();
      rmSync(repo, { recursive: true, force: true });
    }
  }
  const total = hand.update.size + hand.get.size;

  it("in a mapping repository without schemas/afas, `--check` compares with the shipped schemas: 0 out of date, and a run writes nothing", () =>
    inMappingRepo(async (out) => {
      const check = bufferIO();
      expect(await afasSchemasCommand(["--out", out, "--check"], check)).toBe(0);
      expect(check.stdout()).toBe(`${total} schemas, 0 out of date\n`);
      const write = bufferIO();
      expect(await afasSchemasCommand(["--out", out], write)).toBe(0);
      expect(write.stdout()).toBe(`${total} schemas, 0 written\n`);
      expect(existsSync(out)).toBe(false);
    }));

  it("in a mapping repository without schemas/afas, a changed field is listed by name; the file written overrides the shipped one, with its overlay and prose", () =>
    inMappingRepo(async (out) => {
      const custom = "U0A1B2C3D4E5F60718293A4B5C6D7E8F9";
      sim.control.renameField("FbSales", "RfCs", custom);
      sim.control.renameField("Koppel_Stock", "Quantity", custom);
      const check = bufferIO();
      expect(await afasSchemasCommand(["--out", out, "--check"], check)).toBe(1);
      const sales = join(out, "FbSales.schema.json");
      const stock = join(out, "get", "Koppel_Stock.schema.json");
      expect(check.stdout()).toContain(`would create ${sales} (would override the shipped FbSales.schema.json)\n  properties.RfCs: {`);
      expect(check.stdout()).toContain(`  properties.${custom}: (missing) → {`);
      expect(check.stdout()).toContain(`would create ${stock} (would override the shipped get/Koppel_Stock.schema.json)\n`);
      expect(check.stdout()).not.toContain("KnSalesRelationOrg");
      expect(check.stdout()).toMatch(new RegExp(`\\n${total} schemas, 2 out of date\\n$`));
      expect(existsSync(out)).toBe(false);

      const write = bufferIO();
      expect(await afasSchemasCommand(["--out", out], write)).toBe(0);
      expect(write.stdout()).toContain(`created ${sales} (overrides the shipped FbSales.schema.json)\n  properties.RfCs: {`);
      expect(write.stdout()).toContain(`${total} schemas, 2 written\n2 new files now override the schemas Koppel ships`);
      expect(readdirSync(out, { recursive: true }).sort()).toEqual(["FbSales.schema.json", "get", join("get", "Koppel_Stock.schema.json")]);
      const shipped = hand.update.get("FbSales") as Schema;
      const written = JSON.parse(readFileSync(sales, "utf8")) as Schema;
      expect(Object.keys(written.properties!)).toContain(custom);
      expect(written.properties!.FbSalesLines).toEqual(shipped.properties!.FbSalesLines); // GuLi's pattern, the lines' prose
      expect(written.properties!.DbId).toEqual(shipped.properties!.DbId);
      expect(JSON.parse(readFileSync(stock, "utf8"))["x-key"]).toEqual((hand.get.get("Koppel_Stock") as Schema)["x-key"]);

      const again = bufferIO();
      expect(await afasSchemasCommand(["--out", out, "--check"], again)).toBe(0);
      expect(again.stdout()).toBe(`${total} schemas, 0 out of date\n`);
    }));

  it("a connector id that is not a plain name is left out, not written outside the schema folder", () =>
    inSchemaCopy(async (out, io) => {
      const hostile = `../../${basename(out)}-escaped`;
      sim.state.getIds.push(hostile);
      sim.state.schemas.get.set(hostile, sim.state.schemas.get.get("Koppel_Items")!);
      try {
        expect(await afasSchemasCommand(["--out", out], io)).toBe(0);
      } finally {
        sim.state.getIds.pop();
        sim.state.schemas.get.delete(hostile);
      }
      expect(io.stderr()).toContain(`${JSON.stringify(hostile)}: not a connector id Koppel writes a schema file for; left out`);
      expect(existsSync(join(out, "get", `${hostile}.schema.json`))).toBe(false);
      expect(io.stdout()).not.toContain("escaped");
    }));

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
