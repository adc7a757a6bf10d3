import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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
  aspos.control.reset();
  process.env.AFAS_TOKEN = SANDBOX_TOKEN;
});
/** As `koppel serve --sandbox` subscribes its runner. */
const subscribeRunner = (events = ["order.created", "order.paid"]) => aspos.control.subscribe("https://koppel.example.nl/webhooks/aspos", events);

describe("koppel doctor", () => {
  it("passes against the sandbox when every connector the flows use is there", async () => {
    subscribeRunner();
    const io = bufferIO();
    const code = await doctorCommand([], io, PROJECT);
    expect(io.stdout()).not.toContain("✗");
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/^afas\n/);
    expect(io.stdout()).toContain("\naspos\n");
  });

  it("says which flow never runs while no AsPos webhook subscription carries the event it listens for, and which only waits for its poll", async () => {
    const report = async (project: string) => {
      const io = bufferIO();
      const code = await doctorCommand(["--format", "json"], io, project);
      const findings = (JSON.parse(io.stdout()) as { connection: string; findings: { level: string; check: string; message: string }[] }[])
        .find((r) => r.connection === "aspos")!.findings.filter((f) => f.check === "webhook subscription");
      return { code, findings: findings.map((f) => [f.level, f.message]) };
    };
    // The mini project's order flow polls every 5 minutes too: it only waits.
    expect(await report(PROJECT)).toEqual({ code: 0, findings: [
      ["warn", "no active AsPos webhook subscription to …/webhooks/aspos carries order.created: aspos-order-to-afas waits for its next poll"],
      ["warn", "no active AsPos webhook subscription to …/webhooks/aspos carries order.paid: aspos-order-to-afas waits for its next poll"],
    ] });
    const webhookOnly = mkdtempSync(join(tmpdir(), "koppel-doctor-hooks-"));
    cpSync(PROJECT, webhookOnly, { recursive: true });
    const flow = join(webhookOnly, "mappings/orders/aspos-order-to-afas.flow.yaml");
    writeFileSync(flow, readFileSync(flow, "utf8").replace(/^  schedule: .*\n/m, ""));
    // A subscription to another source's URL (…/webhooks/aspos2) carries nothing for this one.
    aspos.control.subscribe("https://koppel.example.nl/webhooks/aspos2", ["order.created", "order.paid"]);
    subscribeRunner(["order.created"]);
    expect(await report(webhookOnly)).toEqual({ code: 1, findings: [
      ["error", "no active AsPos webhook subscription to …/webhooks/aspos carries order.paid: aspos-order-to-afas never runs"],
    ] });
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
    // paymentTerm's keys and paymentTermToAspos's values, and paymentMethod's keys: AsPos codes.
    expect(lines.filter((l) => l.startsWith("  ✓ payment term: "))).toEqual([expect.stringContaining("term 14D ("), expect.stringContaining("term 30D (")]);
    expect(lines).toContain("  ✓ payment method: payment method 3 (CASH Contant) exists");
    expect(lines).toContain("  ✓ payment method map: maps.paymentMethod takes every payment method AsPos offers");
    expect(io.stdout()).toMatch(/GetConnector Koppel_Debtors: present with all \d+ fields the flows read and write/);
  });
});

describe("koppel doctor against hosts that take the connection and never answer", () => {
  let silent: Server;
  let open = 0;
  let most = 0;
  const held: import("node:http").ServerResponse[] = [];
  beforeAll(async () => {
    silent = createServer((_req, res) => {
      most = Math.max(most, ++open);
      held.push(res);
      res.on("close", () => (open -= 1));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it("checks the connections side by side, so one silent host does not hold the next for its whole timeout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-doctor-"));
    const saved = { AFAS_BASE_URL: process.env.AFAS_BASE_URL, ASPOS_URL: process.env.ASPOS_URL };
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const config = join(dir, "mapping.config.yaml");
      writeFileSync(config, readFileSync(config, "utf8").replace("maxParallel: 4", "maxParallel: 4\n    timeoutMs: 400").replace('clientSecret: "${env:ASPOS_CLIENT_SECRET}"', 'clientSecret: "${env:ASPOS_CLIENT_SECRET}"\n    timeoutMs: 400'));
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      process.env.AFAS_BASE_URL = `${url}/ProfitRestServices`;
      process.env.ASPOS_URL = url;
      const io = bufferIO();
      expect(await doctorCommand([], io, dir)).toBe(1);
      // Both waited at once: one after the other, the second call came only once the first timed out.
      expect(most).toBe(2);
      expect(io.stdout()).toMatch(/^afas\n/);
      expect(io.stdout()).toContain("\naspos\n");
    } finally {
      Object.assign(process.env, saved);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
