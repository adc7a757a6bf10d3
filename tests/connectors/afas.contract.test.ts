import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { KoppelError, UpstreamError } from "../../common/errors.ts";
import type { Filter, FilterOp } from "../../engine/flow/port.ts";
import { createAfasConnector, type AfasConnectionConfig } from "../../runner/connectors/afas/index.ts";
import { backoffDelay } from "../../runner/worker/backoff.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type AfasSimulatorControl, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

/**
 * One contract, two targets: the simulator always, and a real Profit environment when AFAS_ENV and
 * AFAS_TOKEN are set. Against Profit the suite reads only, unless AFAS_CONTRACT_WRITES=1 allows the
 * insert/update/delete cases (use a test environment). Fault cases need the simulator's levers.
 */

interface Target {
  config: () => AfasConnectionConfig;
  control?: () => AfasSimulatorControl;
  writes: boolean;
}

const rejection = async (work: Promise<unknown>): Promise<UpstreamError & KoppelError> => {
  try {
    await work;
  } catch (err) {
    return err as UpstreamError & KoppelError;
  }
  throw new Error("expected a rejection");
};

const OPS: [FilterOp, string, unknown, (v: unknown) => boolean][] = [
  ["eq", "CountryId", "NL", (v) => v === "NL"],
  ["ne", "CountryId", "NL", (v) => v !== "NL"],
  ["gt", "DbId", "20050", (v) => String(v) > "20050"],
  ["ge", "DbId", "20050", (v) => String(v) >= "20050"],
  ["lt", "DbId", "20050", (v) => String(v) < "20050"],
  ["le", "DbId", "20050", (v) => String(v) <= "20050"],
  ["contains", "Email", "example", (v) => String(v ?? "").toLowerCase().includes("example")],
  ["notContains", "Email", "example", (v) => !String(v ?? "").toLowerCase().includes("example")],
  ["startsWith", "Email", "info", (v) => String(v ?? "").toLowerCase().startsWith("info")],
  ["notStartsWith", "Email", "info", (v) => !String(v ?? "").toLowerCase().startsWith("info")],
  ["endsWith", "Email", ".nl", (v) => String(v ?? "").toLowerCase().endsWith(".nl")],
  ["notEndsWith", "Email", ".nl", (v) => !String(v ?? "").toLowerCase().endsWith(".nl")],
  ["empty", "VatNumber", null, (v) => v === null || v === ""],
  ["notEmpty", "VatNumber", null, (v) => v !== null && v !== ""],
];

function contract(label: string, target: Target): void {
  const connect = (extra: Partial<AfasConnectionConfig> = {}, pageSize = 5) =>
    createAfasConnector("afas", { ...target.config(), ...extra }, { pageSize });
  const find = (object: string, where: Filter[] = [], extra: { take?: number; orderBy?: { field: string; desc?: boolean }[] } = {}) =>
    connect().find({ connection: "afas", object, where, ...extra });

  describe(`${label}: reading`, () => {
    it("pages across several pages under a sort without gaps or overlaps", async () => {
      const connector = connect({}, 4);
      const paged = await connector.find({ connection: "afas", object: "Koppel_Items", where: [], orderBy: [{ field: "ItemCode", desc: true }], take: 14 });
      expect(paged.exchanges!.length).toBeGreaterThanOrEqual(4);
      const whole = await connect({}, 500).find({ connection: "afas", object: "Koppel_Items", where: [], orderBy: [{ field: "ItemCode", desc: true }], take: 14 });
      expect(paged.rows.map((r) => r.ItemCode)).toEqual(whole.rows.map((r) => r.ItemCode));
      expect(new Set(paged.rows.map((r) => r.ItemCode)).size).toBe(14);
    });

    it.each(OPS)("filters with %s", async (op, field, value, holds) => {
      const all = (await find("Koppel_Debtors")).rows;
      const got = (await find("Koppel_Debtors", [{ field, op, value }])).rows;
      const expected = all.filter((r) => holds(r[field])).map((r) => r.DbId);
      expect(got.map((r) => r.DbId).sort()).toEqual(expected.sort());
      if (target.control) expect(got.length).toBeGreaterThan(0);
    });

    it("combines filters with AND", async () => {
      const got = (await find("Koppel_Debtors", [{ field: "CountryId", op: "eq", value: "NL" }, { field: "DebtorType", op: "eq", value: "P" }])).rows;
      expect(got.every((r) => r.CountryId === "NL" && r.DebtorType === "P")).toBe(true);
    });

    it("finds a debtor by e-mail address, as the shipped flows do", async () => {
      const { rows } = await find("Koppel_Debtors", [{ field: "Email", op: "notEmpty", value: null }], { take: 1 });
      const email = rows[0]?.Email;
      expect(email).toEqual(expect.any(String));
      const got = (await find("Koppel_Debtors", [{ field: "Email", op: "eq", value: email }])).rows;
      expect(got.map((r) => r.Email)).toContain(email);
    });

    it("refuses a query string over 2049 characters with QUERY_TOO_LONG, not a silent 404", async () => {
      const err = await rejection(find("Koppel_Debtors", [{ field: "Name", op: "contains", value: "x".repeat(2100) }]));
      expect(err.code).toBe("QUERY_TOO_LONG");
    });

    it("maps a bad token to UPSTREAM_AUTH with an actionable message", async () => {
      const err = await rejection(connect({ token: "0".repeat(64) }).find({ connection: "afas", object: "Koppel_Items", where: [], take: 1 }));
      expect(err.code).toBe("UPSTREAM_AUTH");
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/token is invalid or expired, or Koppel_Items is not in the App connector/);
    });
  });

  if (!target.writes) return;

  describe(`${label}: writing`, () => {
    const send = (object: string, op: "insert" | "update" | "upsert" | "delete", payload: Record<string, unknown>) =>
      connect().send({ connection: "afas", object, op, payload, idempotencyKey: `${object}-${op}` });

    it("KnSalesRelationOrg: insert and update; delete is refused with Profit's error", async () => {
      const { result } = await send("KnSalesRelationOrg", "insert", { CuId: "EUR", IsDb: true,
        KnOrganisation: { MatchOga: "6", AutoNum: true, PadAdr: true, Nm: "Koppel contract B.V.", EmAd: "contract@koppel.example",
          KnBasicAddressAdr: { CoId: "NL", PbAd: false, ResZip: false, Ad: "Teststraat", HmNr: 1, ZpCd: "1234 AB", Rs: "Utrecht" } } });
      expect(result).toEqual({ DbId: expect.any(String), BcCo: expect.any(String) });
      const updated = await send("KnSalesRelationOrg", "update", { DbId: result.DbId, PaCd: "30" });
      expect(updated.result).toEqual({ DbId: result.DbId });
      const found = (await find("Koppel_Debtors", [{ field: "DbId", op: "eq", value: result.DbId }])).rows;
      expect(found).toMatchObject([{ PaymentCondition: "30", Email: "contract@koppel.example" }]);
      const err = await rejection(send("KnSalesRelationOrg", "delete", { DbId: result.DbId }));
      expect(err.code).toBe("UPSTREAM_REJECTED");
    });

    it("KnSalesRelationPer: insert and update; delete is refused with Profit's error", async () => {
      const { result } = await send("KnSalesRelationPer", "insert", { CuId: "EUR",
        KnPerson: { MatchPer: "7", AutoNum: true, PadAdr: true, FiNm: "Contract", LaNm: "Tester", EmA2: "tester@koppel.example" } });
      await send("KnSalesRelationPer", "update", { DbId: result.DbId, VaDu: "1" });
      expect((await rejection(send("KnSalesRelationPer", "delete", { DbId: result.DbId }))).code).toBe("UPSTREAM_REJECTED");
    });

    it("FbSales and FbDirectInvoice: insert, update, delete", async () => {
      const debtor = (await find("Koppel_Debtors", [{ field: "Blocked", op: "eq", value: false }], { take: 1 })).rows[0]!.DbId;
      for (const [object, lines] of [["FbSales", "FbSalesLines"], ["FbDirectInvoice", "FbDirectInvoiceLines"]] as const) {
        const { result } = await send(object, "insert", { DbId: debtor, RfCs: `contract-${object}`, [lines]: [{ VaIt: "2", ItCd: "601826", BiUn: "STK", QuUn: 1 }] });
        expect(result.OrNu).toEqual(expect.any(String));
        await send(object, "update", { OrNu: result.OrNu, RfCs: `contract-${object}-2` });
        const deleted = await send(object, "delete", { OrNu: result.OrNu });
        expect(deleted.exchanges![0]!.status).toBe(200);
      }
    });

    it("FiEntries: insert and delete a balanced entry; an unbalanced one is rejected", async () => {
      const debtor = (await find("Koppel_Debtors", [], { take: 1 })).rows[0]!.DbId;
      const entry = (credit: number) => ({ Year: 2025, Peri: 3, UnId: 1, JoCo: "70", FiEntries: [
        { VaAs: "2", AcNr: debtor, EnDa: "2025-03-01", BpDa: "2025-03-01", AmDe: 12.1 },
        { VaAs: "1", AcNr: "8000", EnDa: "2025-03-01", BpDa: "2025-03-01", AmCr: credit, VaId: "1" }] });
      const unbalanced = await rejection(send("FiEntries", "insert", entry(10)));
      expect(unbalanced.code).toBe("UPSTREAM_REJECTED");
      expect(unbalanced.details.upstreamMessage).toEqual(expect.any(String));
      const { result } = await send("FiEntries", "insert", entry(12.1));
      expect(result).toMatchObject({ UnId: "1", EnNo: expect.any(String) });
      await send("FiEntries", "delete", { UnId: 1, JoCo: "70", FiEntries: [{ EnNo: result.EnNo }] });
    });

    it("FbStockMutation: insert answers without keys; update is refused", async () => {
      const mutation = { VaOt: "42", ReId: "2", VaIt: "2", ItCd: "601826", War: "01", Loc: "*****", BiUn: "STK", QuUn: 1, Qu: 1 };
      expect((await send("FbStockMutation", "insert", mutation)).result).toEqual({});
      expect((await rejection(send("FbStockMutation", "update", mutation))).code).toBe("UPSTREAM_REJECTED");
    });

    it("a debtor insert missing a mandatory field keeps externalMessage, errorNumber and profitLogReference", async () => {
      const err = await rejection(send("KnSalesRelationOrg", "insert", { KnOrganisation: { MatchOga: "6", Nm: "No currency" } }));
      expect(err.code).toBe("UPSTREAM_REJECTED");
      expect(err.retryable).toBe(false);
      expect(err.details).toMatchObject({ status: 500, upstreamMessage: expect.stringContaining("CuId"), errorNumber: expect.any(Number), reference: expect.stringMatching(/^[0-9A-F]{32}$/) });
      expect(err.message).toContain(err.details.reference!);
    });
  });
}

describe("AFAS contract: simulator", () => {
  let sim: RunningAfasSimulator;
  beforeAll(async () => { sim = await startAfasSimulator(); });
  afterAll(async () => { await sim.close(); });
  const config = (): AfasConnectionConfig => ({ type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN });

  contract("simulator", { config, control: () => sim.control, writes: true });

  describe("simulator: error classes that need fault injection", () => {
    const connector = (extra: Partial<AfasConnectionConfig> = {}) => createAfasConnector("afas", { ...config(), ...extra });
    const read = (extra: Partial<AfasConnectionConfig> = {}) => connector(extra).find({ connection: "afas", object: "Koppel_Items", where: [], take: 1 });

    it("403 → UPSTREAM_FORBIDDEN naming the IP restriction", async () => {
      sim.control.setAllowedIps(["203.0.113.7"]);
      try {
        const err = await rejection(read());
        expect(err.code).toBe("UPSTREAM_FORBIDDEN");
        expect(err.message).toMatch(/IP restriction/);
      } finally {
        sim.control.setAllowedIps(null);
      }
    });

    it("500 validation → UPSTREAM_REJECTED with externalMessage, errorNumber and profitLogReference", async () => {
      sim.control.injectFault({ validationError: { message: "The entered value for 'Debtor' (20045) does not exist." } });
      const err = await rejection(connector().send({ connection: "afas", object: "FbSales", op: "insert", idempotencyKey: "v", payload: { DbId: "20045" } }));
      expect(err.code).toBe("UPSTREAM_REJECTED");
      expect(err.details).toMatchObject({ upstreamMessage: "The entered value for 'Debtor' (20045) does not exist.", errorNumber: -2147220469, reference: expect.stringMatching(/^[0-9A-F]{32}$/) });
      expect(err.retryable).toBe(false);
      expect(err.details.exchanges?.at(-1)).toMatchObject({
        method: "POST", status: 500, requestBody: { FbSales: expect.anything() }, responseBody: { externalMessage: "The entered value for 'Debtor' (20045) does not exist." },
      });
    });

    it("503 → UPSTREAM_UNAVAILABLE, retryable, with retryAfterMs from retry_after", async () => {
      sim.control.injectFault({ unavailable: { requests: 1, retryAfterSeconds: 7200, header: false } });
      const err = await rejection(read());
      expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
      expect(err.retryable).toBe(true);
      expect(err.details.retryAfterMs).toBe(7_200_000);
    });

    it("a dropped connection → UPSTREAM_NETWORK, retryable", async () => {
      sim.control.injectFault({ drop: { requests: 1 } });
      const err = await rejection(read());
      expect(err.code).toBe("UPSTREAM_NETWORK");
      expect(err.retryable).toBe(true);
    });

    it("nobody listening → UPSTREAM_NETWORK", async () => {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((r) => server.close(() => r()));
      const err = await rejection(read({ baseUrl: `http://127.0.0.1:${port}/ProfitRestServices` }));
      expect(err.code).toBe("UPSTREAM_NETWORK");
      expect(err.message).toContain("ECONNREFUSED");
    });

    it("no answer in time → UPSTREAM_TIMEOUT, retryable, and not before 15 minutes (Profit goes on working)", async () => {
      sim.control.injectFault({ latencyMs: 400 });
      try {
        const err = await rejection(read({ timeoutMs: 50 }));
        expect(err.code).toBe("UPSTREAM_TIMEOUT");
        expect(err.retryable).toBe(true);
        expect(err.details.retryAfterMs).toBe(15 * 60_000);
        // The worker's first retry would otherwise come anywhere between 0 and 6 minutes.
        expect(backoffDelay(1, { random: () => 0, retryAfterMs: err.details.retryAfterMs })).toBe(15 * 60_000);
      } finally {
        sim.control.clearFaults();
      }
    });

    it.each([[4, 4], [20, 8]])("under 100 concurrent finds with maxParallel %i the simulator never sees more than %i calls at once", async (maxParallel, cap) => {
      sim.control.injectFault({ latencyMs: 5 });
      sim.control.resetStats();
      try {
        const c = connector({ maxParallel });
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
          c.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "ne", value: String(i) }], take: 1 })));
        expect(results.every((r) => r.rows.length === 1)).toBe(true);
        const stats = sim.control.stats();
        expect(stats.requests).toBe(100);
        expect(stats.maxInFlight).toBeLessThanOrEqual(cap);
        expect(stats.maxInFlight).toBeGreaterThan(1);
      } finally {
        sim.control.clearFaults();
      }
    });
  });
});

const real = { env: process.env.AFAS_ENV, token: process.env.AFAS_TOKEN };
const haveReal = Boolean(real.env && real.token);
if (!haveReal) {
  console.info("AFAS contract against a real Profit environment skipped: set AFAS_ENV (e.g. T12345AA) and AFAS_TOKEN to run it; AFAS_CONTRACT_WRITES=1 also runs the write cases.");
}

describe.skipIf(!haveReal)("AFAS contract: real Profit environment", () => {
  contract(`Profit ${real.env ?? ""}`, {
    config: () => ({ type: "afas", environment: real.env!, token: real.token!, maxParallel: 2 }),
    writes: process.env.AFAS_CONTRACT_WRITES === "1",
  });
});
