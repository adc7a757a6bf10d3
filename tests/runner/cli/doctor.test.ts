import { resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { doctorCommand } from "../../../runner/cli/doctor.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../../sandbox/afas/index.ts";
import { SANDBOX_CLIENT, startAsposSimulator, type RunningAsposSimulator } from "../../../sandbox/aspos/index.ts";

const PROJECT = resolve(import.meta.dirname, "../../fixtures/mini-project");
const REPO = resolve(import.meta.dirname, "../../..");
let afas: RunningAfasSimulator;
let aspos: RunningAsposSimulator;

beforeAll(async () => {
  afas = await startAfasSimulator();
  aspos = await startAsposSimulator({ webhooks: { autoDeliver: false } });
  Object.assign(process.env, {
    AFAS_BASE_URL: afas.baseUrl,
    AFAS_TOKEN: SANDBOX_TOKEN,
    ASPOS_URL: aspos.url,
    ASPOS_CLIENT_ID: SANDBOX_CLIENT.clientId,
    ASPOS_CLIENT_SECRET: SANDBOX_CLIENT.clientSecret,
  });
  // The doctor never uses the webhook secrets, so it must not ask for them.
  delete process.env.ASPOS_WEBHOOK_SECRET;
  delete process.env.AFAS_WEBHOOK_SECRET;
});
afterAll(async () => {
  process.env.AFAS_TOKEN = SANDBOX_TOKEN;
  await afas.close();
  await aspos.close();
});
beforeEach(() => {
  afas.control.reset();
  process.env.AFAS_TOKEN = SANDBOX_TOKEN;
});

describe("koppel doctor", () => {
  it("passes against the sandbox when every connector the flows use is there", async () => {
    const io = bufferIO();
    const code = await doctorCommand([], io, PROJECT);
    expect(io.stdout()).not.toContain("✗");
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^afas\n/);
    expect(io.stdout()).toContain("\naspos\n");
  });

  it("names a connector missing from the App connector and a renamed field, and exits 1", async () => {
    afas.control.removeConnector("Koppel_Items");
    afas.control.renameField("FbSales", "RfCs", "RefCustomer");
    const io = bufferIO();
    expect(await doctorCommand(["--format", "json"], io, PROJECT)).toBe(1);
    const report = JSON.parse(io.stdout()) as { connection: string; findings: { level: string; message: string }[] }[];
    const errors = report.find((r) => r.connection === "afas")?.findings.filter((f) => f.level === "error").map((f) => f.message) ?? [];
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringContaining("GetConnector Koppel_Items is not in the App connector"),
        expect.stringMatching(/^UpdateConnector FbSales has no field 'RfCs'/),
      ]),
    );
  });

  it("checks the fields a flow reads from a GetConnector's rows, not only those it filters on", async () => {
    // The mini project's debtor flow filters Koppel_Debtors on Email and reads DbId from the row it finds.
    afas.control.renameField("Koppel_Debtors", "DbId", "DebtorId");
    const io = bufferIO();
    expect(await doctorCommand([], io, PROJECT)).toBe(1);
    expect(io.stdout()).toContain("✗ field: GetConnector Koppel_Debtors has no field 'DbId'");
  });

  it("reports a base64-wrapped token as the connection's finding, without a stack trace, and still checks AsPos", async () => {
    process.env.AFAS_TOKEN = Buffer.from(`<token><version>1</version><data>${"ab".repeat(32)}</data></token>`).toString("base64");
    const io = bufferIO();
    expect(await doctorCommand([], io, PROJECT)).toBe(1);
    expect(io.stdout()).toContain("✗ config: connection 'afas': the token is base64-encoded already");
    expect(io.stdout()).toMatch(/\naspos\n {2}✓ token: /);
  });

  it("names a connection's unset variable and checks the other connection", async () => {
    delete process.env.AFAS_TOKEN;
    const io = bufferIO();
    expect(await doctorCommand([], io, PROJECT)).toBe(1);
    expect(io.stdout()).toContain("afas\n  ✗ config: environment variable AFAS_TOKEN is not set");
    expect(io.stdout()).toMatch(/\naspos\n {2}✓ token: /);
    expect(io.stderr()).toBe("");
  });

  it("--sandbox checks the shipped config against the simulators: settings and maps by their real names, each line once", async () => {
    const io = bufferIO();
    expect(await doctorCommand(["--sandbox"], io, REPO)).toBe(0);
    const lines = io.stdout().trim().split("\n");
    expect(lines).toEqual([...new Set(lines)]);
    expect(lines).toContain("  ✓ shipment type: shipment type 1 (POSTNL PostNL pakket) exists");
    expect(lines.filter((l) => l.startsWith("  ✓ price list: "))).toHaveLength(2);
    expect(io.stdout()).toMatch(/GetConnector Koppel_Debtors: present with all \d+ fields the flows read and write/);
  });
});
