import { describe, expect, it } from "vitest";
import { simHarness } from "../../sandbox/aspos/index.ts";

type Row = Record<string, unknown>;
const body = async (res: Response) => (await res.json()) as Row;
const rows = async (res: Response) => (await res.json()) as Row[];

describe("AsPos simulator — auth and wire shape", () => {
  it("answers 401 with an empty body and WWW-Authenticate once a token expires", async () => {
    let clock = Date.parse("2025-03-20T08:00:00Z");
    const h = await simHarness({ now: () => clock, tokenLifetimeSeconds: 60 });
    expect((await h.call("GET", "/api/stores")).status).toBe(200);
    clock += 61_000;
    const res = await h.call("GET", "/api/stores");
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("");
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("refuses bad client credentials and grants the RFC 6749 way", async () => {
    const h = await simHarness();
    const bad = await h.sim.app.request("/connect/token", { method: "POST", body: new URLSearchParams({ grant_type: "client_credentials", client_id: "x", client_secret: "y" }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid_client" });
    const grant = await h.sim.app.request("/connect/token", { method: "POST", body: new URLSearchParams({ grant_type: "password" }) });
    expect(await grant.json()).toEqual({ error: "unsupported_grant_type" });
  });

  it("sends bare arrays, omits absent values, and filters inactive stores on request", async () => {
    const h = await simHarness();
    const all = await rows(await h.call("GET", "/api/stores"));
    const active = await rows(await h.call("GET", "/api/stores?includeNonActiveStores=false"));
    expect(all.length).toBeGreaterThan(active.length);
    expect(active.every((s) => s.status === "Active")).toBe(true);
    const webshop = all.find((s) => s.id === 31)!;
    expect(webshop).not.toHaveProperty("phoneNumber");
    expect(JSON.stringify(all)).not.toContain("null");
    const web = await rows(await h.call("GET", "/api/sync/web-products?storeId=9"));
    expect(web.find((p) => p.number === "601826")).toMatchObject({ storeId: 9, priceInclTax: 2.29, priceExclTax: 1.8926 });
    expect(web.some((p) => p.state === "Inactive")).toBe(true);
    expect((await h.call("GET", "/api/sync/web-products")).status).toBe(400);
  });

  it("pages by (updatedAt, id) through ties, with cursor headers, and refuses cursor with updatedSince", async () => {
    const h = await simHarness();
    const ids: unknown[] = [];
    let cursor: string | null = null;
    for (;;) {
      const res = await h.call("GET", `/api/orders?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      ids.push(...(await rows(res)).map((o) => o.id));
      cursor = res.headers.get("x-next-cursor");
      if (res.headers.get("x-has-more") !== "true") break;
    }
    expect(ids).toEqual([4009, 4010, 4011, 4012, 4013, 4014, 4015]);
    const since = await rows(await h.call("GET", "/api/orders?updatedSince=2025-03-01T09:20:44.900Z"));
    expect(since.map((o) => o.id)).toEqual([4011, 4012, 4013, 4014, 4015]);
    const empty = await h.call("GET", `/api/orders?cursor=${cursor}`);
    expect(await rows(empty)).toEqual([]);
    expect(empty.headers.get("x-next-cursor")).toBe(cursor);
    const both = await h.call("GET", `/api/orders?cursor=${cursor}&updatedSince=2025-01-01T00:00:00Z`);
    expect(both.status).toBe(400);
    expect(await body(both)).toMatchObject({ code: "InvalidQuery" });
    expect((await h.call("GET", "/api/orders?limit=501")).status).toBe(400);
  });

  it("filters lists on the contract's parameters", async () => {
    const h = await simHarness();
    expect((await rows(await h.call("GET", "/api/customers?email=JAN.DEVRIES@example.nl"))).map((c) => c.id)).toEqual([10235]);
    expect((await rows(await h.call("GET", "/api/orders?externalNumber=WS-100488"))).map((o) => o.id)).toEqual([4012]);
    expect((await rows(await h.call("GET", "/api/orders?channel=store"))).map((o) => o.id)).toEqual([4009]);
    expect((await rows(await h.call("GET", "/api/products?barcode=5410263000129"))).map((p) => p.id)).toEqual([48213]);
    expect((await rows(await h.call("GET", "/api/custom-fields?entity=Customer"))).map((d) => d.key)).toEqual(["afasDebtorId", "loyaltyCard", "koppelSync"]);
    expect((await h.call("GET", "/api/orders?storeId=abc")).status).toBe(400);
  });
});

describe("AsPos simulator — writes", () => {
  const order = { externalNumber: "2025-000812", source: "AFAS", storeId: 31, customerId: 10234,
    lines: [{ sku: "601826", quantity: 6, unitPriceInclTax: 2.49, taxRate: 21, discountAmountInclTax: 1.49, lineTotalInclTax: 999 }],
    shipping: { shipmentTypeId: 1, costInclTax: 4.95, taxRate: 21 }, payment: { methodId: 4, status: "unpaid", termCode: "30D" } };

  it("creates an order with server amounts, a Location, and a reservation", async () => {
    const h = await simHarness();
    const res = await h.call("POST", "/api/orders", order);
    expect(res.status).toBe(201);
    const created = await body(res);
    expect(res.headers.get("location")).toBe(`/api/orders/${created.id}`);
    expect(created).toMatchObject({ status: "New", channel: "Web", payment: { status: "Unpaid", methodCode: "INVOICE" } });
    expect((created.lines as Row[])[0]!.lineTotalInclTax).toBe(13.45);
    expect(created.totals).toMatchObject({ totalInclTax: 18.4, totalExclTax: 15.21 });
    const stock = await rows(await h.call("GET", "/api/stock?productId=48213&storeId=31"));
    expect(stock[0]).toMatchObject({ physicalStockQuantity: 40, reservedQuantity: 12, availableQuantity: 28 });
  });

  it("answers 400 with an errors map, 409 with existingId, 422 with missingSkus", async () => {
    const h = await simHarness();
    const invalid = await body(await h.call("POST", "/api/orders", { storeId: "x", lines: [{ quantity: 1 }] }));
    expect(invalid).toMatchObject({ status: 400, code: "ValidationFailed" });
    expect(Object.keys(invalid.errors as Row)).toEqual(expect.arrayContaining(["storeId", "lines[0].sku", "lines[0].unitPriceInclTax", "billingAddress", "customer"]));
    expect((await h.call("POST", "/api/orders", "{nope")).status).toBe(400);
    const dup = await h.call("POST", "/api/orders", { ...order, externalNumber: "WS-100488" });
    expect(dup.status).toBe(409);
    expect(dup.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(await body(dup)).toMatchObject({ code: "DuplicateExternalNumber", existingId: 4012 });
    const unknown = await body(await h.call("POST", "/api/orders", { ...order, lines: [...order.lines, { sku: "X-99", quantity: 1, unitPriceInclTax: 1 }] }));
    expect(unknown).toMatchObject({ status: 422, code: "UnknownSku", missingSkus: ["X-99"], errors: { "lines[1].sku": ["Unknown SKU 'X-99'."] } });
    expect(await body(await h.call("POST", "/api/orders", { ...order, storeId: 10 }))).toMatchObject({ code: "UnknownStore" });
    expect(await body(await h.call("POST", "/api/orders", { ...order, customerId: 1 }))).toMatchObject({ code: "UnknownCustomer" });
    expect(await body(await h.call("POST", "/api/orders", { ...order, channel: "Store" }))).toMatchObject({ code: "ValidationFailed" });
  });

  it("replays an idempotent POST and refuses the key for another body", async () => {
    const h = await simHarness();
    const key = { "idempotency-key": "afas-FbSales-2025-000812" };
    const first = await h.call("POST", "/api/orders", order, key);
    const again = await h.call("POST", "/api/orders", order, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await body(again)).id).toBe((await body(first)).id);
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    const other = await h.call("POST", "/api/orders", { ...order, remarks: "x" }, key);
    expect(await body(other)).toMatchObject({ status: 409, code: "IdempotencyKeyReuse" });
    expect((await h.call("POST", "/api/stock-mutations", { mutations: [] })).status).toBe(400);
  });

  it("follows the status table, moves stock on shipping and cancelling, and leaves receipts alone", async () => {
    const h = await simHarness();
    const id = (await body(await h.call("POST", "/api/orders", order))).id;
    const patch = (status: string, extra: Row = {}) => h.call("PATCH", `/api/orders/${id}/status`, { status, ...extra });
    const illegal = await body(await patch("Shipped"));
    expect(illegal).toMatchObject({ status: 409, code: "InvalidStatusTransition", currentStatus: "New", allowed: ["Processing", "Cancelled"] });
    expect((await body(await patch("processing"))).status).toBe("Processing");
    const before = h.sim.state.deliveries.length;
    expect((await patch("Processing")).status).toBe(200);
    expect(h.sim.state.deliveries.length).toBe(before);
    const shipped = await body(await patch("Shipped", { carrier: "PostNL", trackingCode: "3SABCD1234567" }));
    expect(shipped.shipping).toMatchObject({ trackingCode: "3SABCD1234567" });
    const stock = await rows(await h.call("GET", "/api/stock?productId=48213&storeId=31"));
    expect(stock[0]).toMatchObject({ physicalStockQuantity: 34, reservedQuantity: 6 });
    expect(await body(await h.call("PATCH", "/api/orders/4009/status", { status: "Cancelled" }))).toMatchObject({ code: "InvalidStatusTransition", allowed: [] });

    const cancelled = (await body(await h.call("POST", "/api/orders", { ...order, externalNumber: "C-1" }))).id;
    await h.call("PATCH", `/api/orders/${cancelled}/status`, { status: "Cancelled" });
    expect((await rows(await h.call("GET", "/api/stock?productId=48213&storeId=31")))[0]).toMatchObject({ physicalStockQuantity: 34, reservedQuantity: 6 });
  });

  it("records payments and emits order.paid once", async () => {
    const h = await simHarness();
    h.sim.control.subscribe("http://127.0.0.1:9/x", ["order.paid", "order.updated"]);
    const paid = await body(await h.call("PATCH", "/api/orders/4013/payment", { status: "Paid", amountPaid: 18.4, paidAt: "2025-03-31T10:00:00Z", transactionReference: "AFAS-BNK-77812" }));
    expect(paid.payment).toMatchObject({ status: "Paid", amountPaid: 18.4, paidAt: "2025-03-31T10:00:00.000Z" });
    await h.call("PATCH", "/api/orders/4013/payment", { status: "Paid" });
    expect(h.sim.state.deliveries.map((d) => d.type)).toEqual(["order.updated", "order.paid"]);
  });

  it("sets stock absolutely and applies mutations item by item", async () => {
    const h = await simHarness();
    const set = await body(await h.call("PUT", "/api/products/48213/stock/9", { physicalStockQuantity: 12, reason: "Count" }));
    expect(set).toMatchObject({ productId: 48213, number: "601826", storeId: 9, warehouseId: 9, physicalStockQuantity: 12 });
    expect(await body(await h.call("PUT", "/api/products/48213/stock/10", { physicalStockQuantity: 1 }))).toMatchObject({ status: 422, code: "UnknownStore" });
    const res = await body(await h.call("POST", "/api/stock-mutations", { mutations: [
      { number: "601826", storeId: 9, type: "Delta", quantity: -2, reason: "Sale", reference: "AFAS 2025-000812" },
      { productId: 48214, storeId: 10, type: "Set", quantity: 5, reason: "Count" },
      { number: "601826", storeId: 9, type: "Delta", quantity: -20 },
    ] }, { "idempotency-key": "afas-mut-000871" }));
    const results = res.results as Row[];
    expect(results.map((r) => r.status)).toEqual(["Applied", "Rejected", "Applied"]);
    expect(results[1]!.error).toEqual({ code: "UnknownStore", detail: "Store 10 does not exist." });
    expect((results[2]!.stock as Row).physicalStockQuantity).toBe(-10);
    const info = await rows(await h.call("GET", "/api/products/48213/stock-info?storeId=9"));
    expect(info).toHaveLength(1);
    expect(info[0]).toHaveProperty("lastSalesDate");
  });

  it("creates and patches customers: unique e-mail, null clears, custom fields merge, dates as Amsterdam midnight", async () => {
    const h = await simHarness();
    const created = await h.call("POST", "/api/customers", { type: "person", lastName: "Bakker", email: "p.bakker@example.nl", birthDate: "1985-04-12", mobileNumber: "+31 6 1", customFields: { afasDebtorId: "1" } });
    expect(created.status).toBe(201);
    const c = await body(created);
    expect(c).toMatchObject({ type: "Person", number: `C0${c.id}`, birthDate: "1985-04-11T22:00:00Z" });
    const patched = await body(await h.call("PATCH", `/api/customers/${c.id}`, { mobileNumber: null, customFields: { afasDebtorId: null, loyaltyCard: "29" }, customerGroupId: 2 }));
    expect(patched).not.toHaveProperty("mobileNumber");
    expect(patched).toMatchObject({ customFields: { loyaltyCard: "29" }, customerGroupCode: "B2B" });
    expect(await body(await h.call("POST", "/api/customers", { type: "Person", lastName: "X", email: "P.BAKKER@example.nl" }))).toMatchObject({ status: 409, code: "EmailAlreadyExists", existingId: c.id });
    expect(await body(await h.call("POST", "/api/customers", { type: "Company", lastName: "X" }))).toMatchObject({ errors: { companyName: ["A Company needs a companyName."] } });
    expect(await body(await h.call("PATCH", `/api/customers/${c.id}`, { priceListId: 77 }))).toMatchObject({ status: 422, code: "UnknownPriceList" });
    expect(await body(await h.call("PATCH", `/api/customers/${c.id}`, { customFields: { nope: "1" } }))).toMatchObject({ errors: { "customFields.nope": ["Unknown custom field 'nope'."] } });
    expect((await h.call("PATCH", "/api/customers/1", { lastName: "x" })).status).toBe(404);
  });
});

describe("AsPos simulator — control and faults", () => {
  it("injects 429 with Retry-After, 503, and a dropped connection, each for the given number of hits", async () => {
    const h = await simHarness();
    const add = (spec: Row) => h.sim.app.request("/_sandbox/faults", { method: "POST", body: JSON.stringify(spec) });
    await add({ kind: "status", status: 429, retryAfterSeconds: 3, path: "/api/orders", times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await h.call("GET", "/api/orders");
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("3");
    }
    expect((await h.call("GET", "/api/orders")).status).toBe(200);
    await add({ kind: "status", status: 503, retryAfterSeconds: 60 });
    expect(await body(await h.call("GET", "/api/stores"))).toMatchObject({ status: 503, code: "Maintenance" });
    await add({ kind: "drop", path: "/api/stores" });
    await expect(h.sim.fetch("http://sim/api/stores")).rejects.toThrow(TypeError);
    expect(h.sim.state.faults).toEqual([]);
  });

  it("rate-limits per client with X-RateLimit headers", async () => {
    const h = await simHarness({ rateLimitPerMinute: 2 });
    const first = await h.call("GET", "/api/stores");
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    await h.call("GET", "/api/stores");
    const over = await h.call("GET", "/api/stores");
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("resets, shows state, sets the token lifetime, and trickles till receipts", async () => {
    const h = await simHarness();
    await h.call("POST", "/api/customers", { type: "Person", lastName: "Temp" });
    await h.sim.app.request("/_sandbox/token-lifetime", { method: "POST", body: JSON.stringify({ seconds: 5 }) });
    const token = await h.sim.app.request("/connect/token", { method: "POST", body: "grant_type=client_credentials&client_id=koppel-sandbox&client_secret=sandbox-secret" });
    expect(((await token.json()) as Row).expires_in).toBe(5);
    const receipt = await body(await h.sim.app.request("/_sandbox/receipts", { method: "POST", body: JSON.stringify({ storeId: 9, lines: [{ sku: "200114", quantity: 2 }] }) }));
    expect(receipt).toMatchObject({ channel: "Store", status: "Completed", payment: { status: "Paid", amountPaid: 6.58 } });
    const state = await body(await h.sim.app.request("/_sandbox/state"));
    expect((state.customers as Row[]).some((c) => c.lastName === "Temp")).toBe(true);
    expect((state.stock as Row[]).find((s) => s.productId === 51002 && s.storeId === 9)).toMatchObject({ physicalStockQuantity: 18 });
    await h.sim.app.request("/_sandbox/reset", { method: "POST" });
    expect(h.sim.state.customers.some((c) => c.lastName === "Temp")).toBe(false);
    expect((await h.call("GET", "/api/stores")).status).toBe(401);
  });
});
