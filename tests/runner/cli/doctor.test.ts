import { resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { doctorCommand } from "../../../runner/cli/doctor.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../../sandbox/afas/index.ts";
import { SANDBOX_CLIENT, startAsposSimulator, type RunningAsposSimulator } from "../../../sandbox/aspos/index.ts";

const PROJECT = resolve(import.meta.dirname, "../../fixtures/mini-project");
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
    ASPOS_WEBHOOK_SECRET: "whsec_dGVzdA==",
    AFAS_WEBHOOK_SECRET: "x",
  });
});
afterAll(async () => {
  await afas.close();
  await aspos.close();
});
beforeEach(() => afas.control.reset());

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
});
