import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createAjv } from "../../engine/config/schema-check.ts";
import { createAsposSimulator, SANDBOX_CLIENT } from "../../sandbox/aspos/index.ts";

const dir = join(import.meta.dirname, "../../schemas/aspos");
const ajv = createAjv();
const files = readdirSync(dir).filter((f) => f.endsWith(".schema.json"));
for (const f of files) ajv.addSchema(JSON.parse(readFileSync(join(dir, f), "utf8")) as object);
const validator = (file: string) => {
  const v = ajv.getSchema(`https://koppel.dev/schemas/aspos/${file}`);
  if (!v) throw new Error(`no schema ${file}`);
  return v;
};
const valid = (file: string, value: unknown): boolean => {
  const v = validator(file);
  const ok = v(value);
  if (!ok) console.error(file, JSON.stringify(v.errors, null, 1));
  return ok as boolean;
};

const sim = createAsposSimulator({ webhooks: { autoDeliver: false } });
let auth: Record<string, string>;
const get = async (path: string) => (await sim.app.request(path, { headers: auth })).json() as Promise<Record<string, unknown>[]>;

beforeAll(async () => {
  const res = await sim.app.request("/connect/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: SANDBOX_CLIENT.clientId, client_secret: SANDBOX_CLIENT.clientSecret }) });
  auth = { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}`, "content-type": "application/json" };
});

describe("schemas/aspos", () => {
  it("compile under the engine's strict ajv, and sends carry x-key where they update", () => {
    for (const f of files) expect(() => validator(f)).not.toThrow();
    for (const f of ["customers", "stock", "orderStatus", "orderPayment"]) {
      expect(JSON.parse(readFileSync(join(dir, `${f}.schema.json`), "utf8"))["x-key"]).toBeInstanceOf(Array);
    }
  });

  it("describe what the simulator answers", async () => {
    for (const o of await get("/api/orders?limit=500")) expect(valid("order.schema.json", o)).toBe(true);
    for (const c of await get("/api/customers?limit=500")) expect(valid("customer.schema.json", c)).toBe(true);
    for (const p of await get("/api/products?limit=500")) expect(valid("product.schema.json", p)).toBe(true);
    for (const p of await get("/api/sync/web-products?storeId=9")) expect(valid("product.schema.json", p)).toBe(true);
    for (const s of await get("/api/stock?limit=500")) expect(valid("stock-level.schema.json", s)).toBe(true);
  });

  it("describe every webhook event the simulator emits", async () => {
    sim.control.subscribe("http://127.0.0.1:9/none", ["order.created", "order.updated", "order.paid", "customer.created", "customer.updated", "stock.changed"]);
    const post = (path: string, body: unknown, method = "POST") => sim.app.request(path, { method, headers: auth, body: JSON.stringify(body) });
    expect((await post("/api/customers", { type: "Person", lastName: "Schema", email: "schema@example.invalid" })).status).toBe(201);
    expect((await post("/api/customers/10235", { phoneNumber: "+31 6 1" }, "PATCH")).status).toBe(200);
    expect((await post("/api/orders/4013/payment", { status: "Paid", amountPaid: 1 }, "PATCH")).status).toBe(200);
    expect((await post("/api/orders/4013/status", { status: "Processing" }, "PATCH")).status).toBe(200);
    expect((await post("/api/orders", { storeId: 31, customerId: 10235, lines: [{ sku: "601826", quantity: 1, unitPriceInclTax: 2.49 }] })).status).toBe(201);
    const types = new Set<string>();
    for (const d of sim.state.deliveries) {
      const event = JSON.parse(d.body) as { type: string };
      types.add(event.type);
      expect(valid(`event.${event.type}.schema.json`, event)).toBe(true);
    }
    expect([...types].sort()).toEqual(["customer.created", "customer.updated", "order.created", "order.paid", "order.updated", "stock.changed"]);
  });

  it("accept the contract's send examples and refuse typos and missing keys", () => {
    expect(valid("orders.schema.json", {
      externalNumber: "2025-000812", source: "AFAS", channel: "Web", storeId: 31, customerId: 10234,
      lines: [{ sku: "601826", quantity: 6, unitPriceInclTax: 2.49, taxRate: 21, discountAmountInclTax: 1.49 }],
      shipping: { shipmentTypeId: 1, costInclTax: 4.95, taxRate: 21 }, payment: { methodId: 4, status: "Unpaid", termCode: "30D" },
    })).toBe(true);
    expect(validator("orders.schema.json")({ storeId: 31, lines: [{ sku: "1", quantity: 1, unitPriceInclTax: 1, unitPriceExclTax: 1 }] })).toBe(false);
    expect(validator("orders.schema.json")({ storeId: 31, lines: [{ sku: "1", quantity: 1, unitPrice: 1 }] })).toBe(false);
    expect(valid("customers.schema.json", { id: 10234, phoneNumber: "+31 30 765 4321", mobileNumber: null, customFields: { afasDebtorId: "20046" } })).toBe(true);
    expect(validator("customers.schema.json")({ type: "Person", lastname: "typo" })).toBe(false);
    expect(valid("stock.schema.json", { productId: 48213, storeId: 9, physicalStockQuantity: 12, reason: "Count" })).toBe(true);
    expect(validator("stock.schema.json")({ productId: 48213, physicalStockQuantity: 12 })).toBe(false);
    expect(valid("stockMutations.schema.json", { mutations: [{ number: "601826", storeId: 9, type: "Delta", quantity: -2, reason: "Sale" }] })).toBe(true);
    expect(validator("stockMutations.schema.json")({ mutations: [{ storeId: 9, type: "Delta", quantity: -2 }] })).toBe(false);
    expect(valid("orderStatus.schema.json", { id: 4012, status: "Shipped", carrier: "PostNL", trackingCode: "3SABCD1234567" })).toBe(true);
    expect(validator("orderStatus.schema.json")({ id: 4012, status: "Sent" })).toBe(false);
    expect(valid("orderPayment.schema.json", { id: 4013, status: "Paid", amountPaid: 18.4, paidAt: "2025-03-31T10:00:00Z" })).toBe(true);
  });
});
