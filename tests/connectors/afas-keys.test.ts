import { afterAll, describe, expect, it } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadFromCli } from "../../runner/cli/load.ts";
import { AfasHttp } from "../../runner/connectors/afas/http.ts";
import { KeyCatalog } from "../../runner/connectors/afas/keys.ts";
import { BUILTIN_SCHEMAS } from "../../runner/project-host.ts";
import { SANDBOX_TOKEN } from "../../sandbox/afas/index.ts";

const project = mkdtempSync(join(tmpdir(), "koppel-keys-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(path: string, schema: unknown): void {
  mkdirSync(join(project, path, ".."), { recursive: true });
  writeFileSync(join(project, path), JSON.stringify(schema));
}

describe("AFAS record keys come from the project's schemas as loaded", () => {
  // Nobody listens on port 1: a metainfo fallback would fail the test instead of passing silently.
  const http = new AfasHttp("afas", { type: "afas", baseUrl: "http://127.0.0.1:1/ProfitRestServices", token: SANDBOX_TOKEN });

  it("the project's own schema wins over Koppel's, Koppel's fills in the rest, and both hold once the folder is gone", async () => {
    cpSync(resolve(import.meta.dirname, "../fixtures/mini-project"), project, { recursive: true });
    const shipped = JSON.parse(readFileSync(join(BUILTIN_SCHEMAS, "afas/get/Koppel_Debtors.schema.json"), "utf8")) as object;
    write("schemas/afas/get/Koppel_Debtors.schema.json", { ...shipped, "x-key": ["OwnKey"] });
    write("schemas/afas/KnSalesRelationOrg.schema.json", { type: "object", "x-key": ["BcCo"] });
    const loaded = loadFromCli(undefined, { cwd: project, lenientEnv: true });
    expect(loaded.errors.map((e) => e.format())).toEqual([]);
    // A version loaded from a git checkout: the checkout is removed once the version is checked,
    // and a poll asks for its keys later (a key from metainfo's first field skipped rows).
    rmSync(join(project, "schemas"), { recursive: true });
    const keys = new KeyCatalog(http, loaded.project!.schemaKeys);
    expect(await keys.getKeys("Koppel_Debtors", [])).toEqual(["OwnKey"]);
    expect(await keys.updateKeys("KnSalesRelationOrg", [])).toEqual(["BcCo"]);
    expect(await keys.updateKeys("FbSales", [])).toEqual(["OrNu"]);
    expect(await keys.getKeys("Koppel_Stock", [])).toEqual(["ItemCode", "Warehouse"]);
  });

  it("a run stopped meanwhile stops at the key lookup, even for a key known already, so its call never leaves", async () => {
    const keys = new KeyCatalog(http);
    expect(await keys.updateKeys("FbSales", [])).toEqual(["OrNu"]);
    const stop = new AbortController();
    stop.abort(new Error("stopping"));
    await expect(keys.updateKeys("FbSales", [], stop.signal)).rejects.toThrow("stopping");
    await expect(keys.getKeys("Koppel_Stock", [], stop.signal)).rejects.toThrow("stopping");
  });

  it("without a project, Koppel's own schemas", async () => {
    expect(await new KeyCatalog(http).updateKeys("FbSales", [])).toEqual(["OrNu"]);
  });
});
