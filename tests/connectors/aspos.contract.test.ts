/**
 * The AsPos contract, run against the simulator always and against a real tenant when
 * ASPOS_URL, ASPOS_CLIENT_ID and ASPOS_CLIENT_SECRET are set. Cases that need the simulator's
 * levers (faults, token expiry) or that write (set ASPOS_CONTRACT_WRITES=1 on an acceptance
 * tenant) are only registered where they can run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../common/errors.ts";
import type { Exchange } from "../../common/exchange.ts";
import { createAsposConnector, type AsposConfig } from "../../runner/connectors/aspos/index.ts";
import { SANDBOX_CLIENT, startAsposSimulator, type RunningAsposSimulator, type SimControl } from "../../sandbox/aspos/index.ts";

interface Target {
  readonly config: AsposConfig;
  readonly control?: SimControl;
}

interface Capabilities {
  readonly control: boolean;
  readonly writes: boolean;
}

const eq = (field: string, value: unknown) => ({ field, op: "eq" as const, value });

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

function tokenCalls(exchanges: readonly Exchange[] | undefined): number {
  return (exchanges ?? []).filter((e) => e.url.endsWith("/connect/token")).length;
}

function contractSuite(caps: Capabilities, setup: () => Promise<Target>, teardown: () => Promise<void>): void {
  let target: Target;
  const connector = (over: Partial<AsposConfig> = {}) => createAsposConnector("aspos", { ...target.config, ...over });
  const unique = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

  beforeAll(async () => {
    target = await setup();
  });
  afterAll(teardown);

  async function anActiveStoreAndProduct(): Promise<{ storeId: number; productId: number; sku: string }> {
    const c = connector();
    const stores = await c.find({ connection: "aspos", object: "stores", where: [eq("status", "Active")] });
    const store = stores.rows.find((s) => s.isWebshop === true) ?? stores.rows[0];
    const products = await c.find({ connection: "aspos", object: "products", where: [eq("state", "Active"), eq("webEnabled", true)], take: 1 });
    const product = products.rows[0];
    if (!store || !product) throw new Error("the tenant has no active store or product to test with");
    return { storeId: Number(store.id), productId: Number(product.id), sku: String(product.number) };
  }

  describe("token", () => {
    it("fetches a token once and reuses it", async () => {
      const c = connector();
      const first = await c.find({ connection: "aspos", object: "stores", where: [] });
      const second = await c.find({ connection: "aspos", object: "paymentMethods", where: [] });
      expect(tokenCalls(first.exchanges)).toBe(1);
      expect(tokenCalls(second.exchanges)).toBe(0);
    });

    it("wrong credentials are an auth error", async () => {
      const err = await failure(connector({ clientSecret: "wrong" }).find({ connection: "aspos", object: "stores", where: [] }));
      expect(err.code).toBe("UPSTREAM_AUTH");
    });

    if (caps.control) {
      it("refreshes once when the token expired early, and gives up after one refresh", async () => {
        const c = connector();
        await c.find({ connection: "aspos", object: "stores", where: [] });
        target.control?.expireTokens();
        const after = await c.find({ connection: "aspos", object: "stores", where: [] });
        expect(after.exchanges?.map((e) => e.status)).toEqual([401, 200, 200]);

        target.control?.setTokenLifetime(0);
        const err = await failure(connector().find({ connection: "aspos", object: "stores", where: [] }));
        expect(err.code).toBe("UPSTREAM_AUTH");
        target.control?.setTokenLifetime(3600);
      });
    }
  });

  describe("paging and polling", () => {
    it("pages with the cursor: every order once, in (updatedAt, id) order", async () => {
      const c = connector();
      const all = await c.find({ connection: "aspos", object: "orders", where: [] });
      const seen: Record<string, unknown>[] = [];
      let cursor: string | null = null;
      let pages = 0;
      for (;;) {
        const page = await c.poll!("aspos.orders", cursor, 2);
        seen.push(...page.records);
        cursor = page.cursor;
        pages += 1;
        if (!page.hasMore) break;
      }
      expect(pages).toBeGreaterThan(1);
      expect(seen.map((r) => r.id)).toEqual(all.rows.map((r) => r.id));
      expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
      const keys = seen.map((r) => [Date.parse(String(r.updatedAt)), Number(r.id)] as const);
      for (let i = 1; i < keys.length; i++) {
        const [a, b] = [keys[i - 1]!, keys[i]!];
        expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
      }
    });

    it("a poll over records sharing one updatedAt neither skips nor repeats", async () => {
      const c = connector();
      const all = (await c.find({ connection: "aspos", object: "customers", where: [] })).rows;
      const counts = new Map<string, number>();
      for (const r of all) counts.set(String(r.updatedAt), (counts.get(String(r.updatedAt)) ?? 0) + 1);
      if (caps.control) expect(Math.max(...counts.values())).toBeGreaterThanOrEqual(3);
      const seen: unknown[] = [];
      let cursor: string | null = null;
      // limit 1 puts a page boundary between every pair of tied records
      for (let more = true; more;) {
        const page = await c.poll!("customers", cursor, 1);
        seen.push(...page.records.map((r) => r.id));
        cursor = page.cursor;
        more = page.hasMore;
      }
      expect(seen).toEqual(all.map((r) => r.id));
    });

    it("an empty page keeps the cursor, and a later change shows up after it", async () => {
      const c = connector();
      let cursor: string | null = null;
      for (let more = true; more;) {
        const page = await c.poll!("orders", cursor, 500);
        cursor = page.cursor;
        more = page.hasMore;
      }
      const empty = await c.poll!("orders", cursor, 10);
      expect(empty.records).toEqual([]);
      expect(empty.cursor).toBe(cursor);
      if (caps.control) {
        target.control?.addReceipt({ storeId: 9, lines: [{ sku: "601826", quantity: 1 }] });
        const next = await c.poll!("orders", cursor, 10);
        expect(next.records.map((r) => r.channel)).toEqual(["Store"]);
      }
    });
  });

  describe("customers", () => {
    it("rejects a customer without a type with the problem's message and code", async () => {
      const err = await failure(connector().send({ connection: "aspos", object: "customers", op: "insert", payload: { lastName: "X" }, idempotencyKey: `bad-${unique}` }));
      expect(err.code).toBe("UPSTREAM_REJECTED");
      expect(err.details.status).toBe(400);
      expect(err.details.errorNumber).toBe("ValidationFailed");
      expect(err.details.upstreamMessage).toBeTruthy();
      expect(err.details.reference).toBeTruthy();
      expect((err.details.body as { errors: Record<string, unknown> }).errors).toHaveProperty("type");
    });

    if (caps.writes) {
      it("creates, finds by e-mail (any case), updates, and upserts by e-mail", async () => {
        const c = connector();
        const email = `contract-${unique}@example.invalid`;
        const created = await c.send({ connection: "aspos", object: "customers", op: "insert", idempotencyKey: `cust-${unique}`,
          payload: { type: "Person", firstName: "Test", lastName: "Contract", email, mobileNumber: "+31 6 00000000" } });
        const id = created.result.id;
        expect(typeof id).toBe("number");

        const found = await c.find({ connection: "aspos", object: "customers", where: [eq("email", email.toUpperCase())] });
        expect(found.rows.map((r) => r.id)).toEqual([id]);

        const updated = await c.send({ connection: "aspos", object: "customers", op: "update", idempotencyKey: `cust-u-${unique}`,
          payload: { id, phoneNumber: "+31 30 000 0000", mobileNumber: null } });
        expect(updated.result.phoneNumber).toBe("+31 30 000 0000");
        expect(updated.result).not.toHaveProperty("mobileNumber");

        const upserted = await c.send({ connection: "aspos", object: "customers", op: "upsert", idempotencyKey: `cust-up-${unique}`,
          payload: { email, type: "Person", lastName: "Contract-Upsert" } });
        expect(upserted.result.id).toBe(id);
        expect(upserted.result.lastName).toBe("Contract-Upsert");

        const dup = await failure(c.send({ connection: "aspos", object: "customers", op: "insert", idempotencyKey: `cust-d-${unique}`,
          payload: { type: "Person", lastName: "Dup", email } }));
        // The record is there already: retried, the run's find takes it (a create that lost a race).
        expect(dup).toMatchObject({ code: "UPSTREAM_DUPLICATE", retryable: true });
        expect((dup.details.body as { existingId: unknown }).existingId).toBe(id);
      });
    }
  });

  describe("orders", () => {
    it("finds an order by number and by id, and an unknown id gives no rows", async () => {
      const c = connector();
      const some = (await c.find({ connection: "aspos", object: "orders", where: [], take: 1 })).rows[0]!;
      const byNumber = await c.find({ connection: "aspos", object: "orders", where: [eq("number", some.number)] });
      expect(byNumber.rows.map((r) => r.id)).toEqual([some.id]);
      const byId = await c.find({ connection: "aspos", object: "orders", where: [eq("id", some.id)] });
      expect(byId.rows.map((r) => r.number)).toEqual([some.number]);
      const none = await c.find({ connection: "aspos", object: "orders", where: [eq("id", 2_147_483_000)] });
      expect(none.rows).toEqual([]);
    });

    it("a status update of an unknown order is not-found", async () => {
      const err = await failure(connector().send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: `st-${unique}`,
        payload: { id: 2_147_483_000, status: "Processing" } }));
      expect(err.code).toBe("UPSTREAM_NOT_FOUND");
    });

    if (caps.writes) {
      it("creates an order (server amounts, idempotent), finds it by externalNumber, moves its status and payment", async () => {
        const c = connector();
        const { storeId, sku } = await anActiveStoreAndProduct();
        const externalNumber = `KC-${unique}`;
        const payload = { externalNumber, storeId, customer: { email: `guest-${unique}@example.invalid` },
          billingAddress: { street: "Teststraat", houseNumber: "1", postalCode: "3511 AA", city: "Utrecht", countryCode: "NL" },
          lines: [{ sku, quantity: 3, unitPriceInclTax: 2.49, taxRate: 21, discountAmountInclTax: 0.5 }] };
        const created = await c.send({ connection: "aspos", object: "orders", op: "insert", idempotencyKey: `ord-${unique}`, payload });
        expect(created.result.status).toBe("New");
        const line = (created.result.lines as Record<string, unknown>[])[0]!;
        expect(line.lineTotalInclTax).toBe(6.97);
        expect(line.unitPriceExclTax).toBe(2.0579);

        const again = await c.send({ connection: "aspos", object: "orders", op: "insert", idempotencyKey: `ord-${unique}`, payload });
        expect(again.result.id).toBe(created.result.id);

        const found = await c.find({ connection: "aspos", object: "orders", where: [eq("externalNumber", externalNumber)] });
        expect(found.rows.map((r) => r.id)).toEqual([created.result.id]);

        const dup = await failure(c.send({ connection: "aspos", object: "orders", op: "insert", idempotencyKey: `ord-2-${unique}`, payload }));
        expect(dup).toMatchObject({ code: "UPSTREAM_DUPLICATE", retryable: true });
        expect((dup.details.body as { existingId: unknown }).existingId).toBe(created.result.id);

        const id = created.result.id;
        const moved = await c.send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: `st-${unique}`, payload: { id, status: "Processing" } });
        expect(moved.result.status).toBe("Processing");
        const illegal = await failure(c.send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: `st2-${unique}`, payload: { id, status: "New" } }));
        expect(illegal).toMatchObject({ code: "UPSTREAM_CONFLICT", retryable: false });
        expect((illegal.details.body as { allowed: string[] }).allowed).toContain("Shipped");

        const paid = await c.send({ connection: "aspos", object: "orderPayment", op: "update", idempotencyKey: `pay-${unique}`,
          payload: { id, status: "Paid", amountPaid: 6.97, paidAt: "2025-03-31T10:00:00Z" } });
        expect((paid.result.payment as { status: string }).status).toBe("Paid");
        await c.send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: `st3-${unique}`, payload: { id, status: "Cancelled" } });
      });

      it("unknown SKUs are rejected with the missing SKUs in the body", async () => {
        const { storeId } = await anActiveStoreAndProduct();
        const err = await failure(connector().send({ connection: "aspos", object: "orders", op: "insert", idempotencyKey: `sku-${unique}`,
          payload: { externalNumber: `KC-X-${unique}`, storeId, customer: { email: "x@example.invalid" },
            billingAddress: { city: "Utrecht", countryCode: "NL" },
            lines: [{ sku: `NOPE-${unique}`, quantity: 1, unitPriceInclTax: 1 }] } }));
        expect(err.code).toBe("UPSTREAM_REJECTED");
        expect(err.details.errorNumber).toBe("UnknownSku");
        expect((err.details.body as { missingSkus: string[] }).missingSkus).toEqual([`NOPE-${unique}`]);
      });
    }
  });

  if (caps.writes) {
    describe("stock", () => {
      it("sets stock absolutely and moves it by a delta", async () => {
        const c = connector();
        const { storeId, productId, sku } = await anActiveStoreAndProduct();
        const level = async () => (await c.find({ connection: "aspos", object: "stock", where: [eq("productId", productId), eq("storeId", storeId)] })).rows[0];
        const before = await level();
        const set = await c.send({ connection: "aspos", object: "stock", op: "update", idempotencyKey: `abs-${unique}`,
          payload: { productId, storeId, physicalStockQuantity: 12, reason: "Count", reference: "contract" } });
        expect(set.result.physicalStockQuantity).toBe(12);
        const delta = await c.send({ connection: "aspos", object: "stockMutations", op: "insert", idempotencyKey: `mut-${unique}`,
          payload: { mutations: [{ number: sku, storeId, type: "Delta", quantity: -2, reason: "Sale", reference: "contract" }] } });
        expect((delta.result.results as { status: string }[])[0]?.status).toBe("Applied");
        // the same key again is a replay, not a second delta
        await c.send({ connection: "aspos", object: "stockMutations", op: "insert", idempotencyKey: `mut-${unique}`,
          payload: { mutations: [{ number: sku, storeId, type: "Delta", quantity: -2, reason: "Sale", reference: "contract" }] } });
        expect((await level())?.physicalStockQuantity).toBe(10);

        const rejected = await failure(c.send({ connection: "aspos", object: "stockMutations", op: "insert", idempotencyKey: `mut-bad-${unique}`,
          payload: { mutations: [{ number: sku, storeId: 2_147_483_000, type: "Delta", quantity: 1 }] } }));
        expect(rejected.code).toBe("UPSTREAM_REJECTED");
        expect(rejected.details.errorNumber).toBe("UnknownStore");

        if (before) {
          await c.send({ connection: "aspos", object: "stock", op: "update", idempotencyKey: `abs-restore-${unique}`,
            payload: { productId, storeId, physicalStockQuantity: before.physicalStockQuantity, reason: "Correction" } });
        }
      });
    });
  }

  if (caps.control) {
    describe("transient failures", () => {
      it("429 is rate-limited with Retry-After in ms", async () => {
        target.control?.injectFault({ kind: "status", status: 429, retryAfterSeconds: 7, path: "/api/stores" });
        const err = await failure(connector().find({ connection: "aspos", object: "stores", where: [] }));
        expect(err.code).toBe("UPSTREAM_RATE_LIMITED");
        expect(err.details.retryAfterMs).toBe(7000);
        expect(err.retryable).toBe(true);
      });

      it("503 maintenance is unavailable", async () => {
        target.control?.injectFault({ kind: "status", status: 503, retryAfterSeconds: 30, path: "/api/orders" });
        const err = await failure(connector().find({ connection: "aspos", object: "orders", where: [] }));
        expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
        expect(err.details.errorNumber).toBe("Maintenance");
        expect(err.details.retryAfterMs).toBe(30_000);
        expect(err.details.exchanges?.at(-1)).toMatchObject({ method: "GET", status: 503, responseBody: { code: "Maintenance" } });
      });

      it("500 is unavailable and retried: AsPos reports bad requests as 4xx problems, so a 500 is its own fault", async () => {
        target.control?.injectFault({ kind: "status", status: 500, path: "/api/orders" });
        const err = await failure(connector().find({ connection: "aspos", object: "orders", where: [] }));
        expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
        expect(err.retryable).toBe(true);
      });

      it("a dropped connection is a network error", async () => {
        target.control?.injectFault({ kind: "drop", path: "/api/customers" });
        const err = await failure(connector().find({ connection: "aspos", object: "customers", where: [] }));
        expect(err.code).toBe("UPSTREAM_NETWORK");
        expect(err.retryable).toBe(true);
        const last = err.details.exchanges?.at(-1);
        expect(last?.url).toContain("/api/customers");
        expect(last).not.toHaveProperty("status");
      });

      it("a slow answer past timeoutMs is a timeout", async () => {
        target.control?.injectFault({ kind: "latency", latencyMs: 400, path: "/api/payment-methods" });
        const err = await failure(connector({ timeoutMs: 50 }).find({ connection: "aspos", object: "paymentMethods", where: [] }));
        expect(err.code).toBe("UPSTREAM_TIMEOUT");
      });
    });
  }
}

describe("AsPos contract — simulator over HTTP", () => {
  let sim: RunningAsposSimulator;
  contractSuite(
    { control: true, writes: true },
    async () => {
      sim = await startAsposSimulator({ webhooks: { autoDeliver: false } });
      return {
        config: { type: "aspos", baseUrl: sim.url, clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret },
        control: sim.control,
      };
    },
    async () => sim.stop(),
  );
});

const real = {
  url: process.env.ASPOS_URL,
  clientId: process.env.ASPOS_CLIENT_ID,
  clientSecret: process.env.ASPOS_CLIENT_SECRET,
};
const haveTenant = Boolean(real.url && real.clientId && real.clientSecret);
if (!haveTenant) {
  console.info("AsPos contract — real tenant: not run; set ASPOS_URL, ASPOS_CLIENT_ID and ASPOS_CLIENT_SECRET (and ASPOS_CONTRACT_WRITES=1 on an acceptance tenant to include writes).");
}

describe.skipIf(!haveTenant)("AsPos contract — real tenant (ASPOS_URL)", () => {
  contractSuite(
    { control: false, writes: process.env.ASPOS_CONTRACT_WRITES === "1" },
    async () => ({
      config: {
        type: "aspos", baseUrl: real.url ?? "", clientId: real.clientId ?? "", clientSecret: real.clientSecret ?? "",
        ...(process.env.ASPOS_TOKEN_URL ? { tokenUrl: process.env.ASPOS_TOKEN_URL } : {}),
      },
    }),
    async () => {},
  );
});
