import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("AFAS record keys come from the project's schema folders as loaded", () => {
  // Nobody listens on port 1: a metainfo fallback would fail the test instead of passing silently.
  const http = new AfasHttp("afas", { type: "afas", baseUrl: "http://127.0.0.1:1/ProfitRestServices", token: SANDBOX_TOKEN });

  it("the project's own schema wins over Koppel's, and Koppel's fills in the rest", async () => {
    write("afas/get/Koppel_Debtors.schema.json", { type: "object", "x-key": ["OwnKey"] });
    write("afas/KnSalesRelationOrg.schema.json", { type: "object", "x-key": ["BcCo"] });
    const keys = new KeyCatalog(http, [project, BUILTIN_SCHEMAS]);
    expect(await keys.getKeys("Koppel_Debtors", [])).toEqual(["OwnKey"]);
    expect(await keys.updateKeys("KnSalesRelationOrg", [])).toEqual(["BcCo"]);
    expect(await keys.updateKeys("FbSales", [])).toEqual(["OrNu"]);
  });
});
