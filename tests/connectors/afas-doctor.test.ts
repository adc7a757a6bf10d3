import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConnectionUse } from "../../engine/flow/port.ts";
import { afasDoctor, type AfasConnectionConfig } from "../../runner/connectors/afas/index.ts";
import { SANDBOX_OAUTH_CLIENT, SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

const USES: ConnectionUse[] = [
  { connection: "afas", object: "Koppel_Debtors", kind: "find", fields: ["Email", "DbId"] },
  { connection: "afas", object: "Koppel_SalesOrders", kind: "poll", fields: ["ModifiedDate", "OrderNumber", "ExternalNumber"] },
  { connection: "afas", object: "KnSalesRelationOrg", kind: "send", fields: ["DbId", "CuId", "KnOrganisation.Nm", "KnOrganisation.EmAd", "KnOrganisation.KnBasicAddressAdr.CoId"] },
  { connection: "afas", object: "FbSales", kind: "send", fields: ["DbId", "FbSalesLines.ItCd"] },
];

describe("koppel doctor for AFAS, against the simulator", () => {
  let sim: RunningAfasSimulator;
  beforeAll(async () => { sim = await startAfasSimulator(); });
  afterAll(async () => { await sim.close(); });
  beforeEach(() => sim.control.reset());
  const config = (extra: Partial<AfasConnectionConfig> = {}): AfasConnectionConfig => ({ type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN, ...extra });

  const oauth = (extra: Partial<AfasConnectionConfig> = {}) => config({ token: undefined, ...SANDBOX_OAUTH_CLIENT, ...extra });

  it("reports everything ok on a complete App connector signed in with OAuth", async () => {
    const findings = await afasDoctor(oauth(), USES);
    expect(findings.filter((f) => f.level !== "ok")).toEqual([]);
    expect(findings.map((f) => f.check)).toEqual(["token", "ip", "connector", "connector", "connector", "connector"]);
  });

  it("warns of a classic token, which AFAS ends in 2027, and names a refused OAuth client with Profit's reason", async () => {
    const classic = await afasDoctor(config(), USES);
    expect(classic.filter((f) => f.level !== "ok")).toEqual([expect.objectContaining({ level: "warn", check: "token", message: expect.stringContaining("stop working after 31 August 2027") })]);
    const refused = await afasDoctor(oauth({ clientSecret: "wrong" }), USES);
    expect(refused).toEqual([expect.objectContaining({ level: "error", check: "token", message: expect.stringContaining("AFAS refused the OAuth client of connection 'afas': token request refused: invalid_client") })]);
  });

  it("names a removed connector and a renamed field, with the likely new name", async () => {
    sim.control.removeConnector("Koppel_SalesOrders");
    sim.control.renameField("Koppel_Debtors", "Email", "EmailAddress");
    sim.control.renameField("KnSalesRelationOrg", "KnOrganisation.EmAd", "EmAdWork");
    const errors = (await afasDoctor(config(), USES)).filter((f) => f.level === "error");
    expect(errors).toEqual([
      expect.objectContaining({ check: "field", message: "GetConnector Koppel_Debtors has no field 'Email' (renamed to 'EmailAddress'?)" }),
      expect.objectContaining({ check: "connector", message: expect.stringContaining("GetConnector Koppel_SalesOrders is not in the App connector"), fix: expect.stringContaining("docs/afas-setup.md") }),
      expect.objectContaining({ check: "field", message: "UpdateConnector KnSalesRelationOrg has no field 'KnOrganisation.EmAd' (renamed to 'KnOrganisation.EmAdWork'?)" }),
    ]);
  });

  it("stops at a refused token with a fix", async () => {
    const findings = await afasDoctor(config({ token: "1".repeat(64) }), USES);
    expect(findings).toEqual([expect.objectContaining({ level: "error", check: "token", fix: expect.stringContaining("App connector") })]);
  });

  it("reports a refused IP address", async () => {
    sim.control.setAllowedIps(["198.51.100.0/24"]);
    const findings = await afasDoctor(config(), USES);
    expect(findings.find((f) => f.level === "error")).toMatchObject({ check: "ip", fix: expect.stringContaining("IP restriction") });
  });

  it("reports an unreachable environment", async () => {
    sim.control.injectFault({ unavailable: { requests: 1 } });
    const findings = await afasDoctor(config(), USES);
    expect(findings).toEqual([expect.objectContaining({ level: "error", check: "reach" })]);
  });
});
