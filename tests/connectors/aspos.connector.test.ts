import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../common/errors.ts";
import { createAsposConnector } from "../../runner/connectors/aspos/index.ts";
import { wireIdempotencyKey } from "../../runner/connectors/aspos/http.ts";
import { createAsposSimulator, SANDBOX_CLIENT } from "../../sandbox/aspos/index.ts";

function setup(opts: { maxParallel?: number } = {}) {
  let clock = Date.parse("2025-03-20T08:00:00Z");
  const now = () => clock;
  const sim = createAsposSimulator({ now, tokenLifetimeSeconds: 600, webhooks: { autoDeliver: false } });
  let inFlight = 0;
  let peak = 0;
  const requests: Request[] = [];
  const fetchSpy: typeof fetch = async (input, init) => {
    requests.push(new Request(input, init));
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      return await sim.fetch(input, init);
    } finally {
      inFlight -= 1;
    }
  };
  const connector = createAsposConnector("aspos", {
    type: "aspos", baseUrl: "http://tenant.test/api/", clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret, ...opts,
  }, { fetch: fetchSpy, now });
  return { sim, connector, requests, advance: (ms: number) => (clock += ms), peak: () => peak };
}

const eq = (field: string, value: unknown) => ({ field, op: "eq" as const, value });
const tokenRequests = (requests: Request[]) => requests.filter((r) => r.url.endsWith("/connect/token")).length;

describe("AsPos connector", () => {
  it("polls from a given moment when it has no cursor yet, and from its cursor after that", async () => {
    const { sim, connector, requests } = setup();
    const stamps = sim.state.orders.map((o) => Date.parse(o.updatedAt)).sort((a, b) => a - b);
    expect(stamps.length).toBeGreaterThan(2);
    const since = stamps[stamps.length - 2]!;
    const page = await connector.poll!("orders", null, 100, since);
    expect(page.records.map((r) => Date.parse(String(r.updatedAt)))).toEqual(stamps.filter((t) => t >= since));
    expect(new URL(requests.at(-1)!.url).searchParams.get("updatedSince")).toBe(new Date(since).toISOString());
    // Once it has a cursor, that is the position (AsPos refuses both together).
    await connector.poll!("orders", page.cursor, 100, since);
    expect(new URL(requests.at(-1)!.url).searchParams.get("updatedSince")).toBeNull();
    const all = await connector.poll!("orders", null, 100);
    expect(all.records).toHaveLength(stamps.length);
  });

  it("renews the token shortly before it expires, without waiting for a 401", async () => {
    const { connector, requests, advance } = setup();
    await connector.find({ connection: "aspos", object: "stores", where: [] });
    advance(500_000);
    await connector.find({ connection: "aspos", object: "stores", where: [] });
    expect(tokenRequests(requests)).toBe(1);
    advance(50_000); // 550 s of 600: inside the renewal margin
    const third = await connector.find({ connection: "aspos", object: "stores", where: [] });
    expect(tokenRequests(requests)).toBe(2);
    expect(third.exchanges?.some((e) => e.status === 401)).toBe(false);
  });

  it("keeps the client secret out of the exchange log, and strips a trailing /api from baseUrl", async () => {
    const { connector, requests } = setup();
    const res = await connector.find({ connection: "aspos", object: "stores", where: [] });
    expect(JSON.stringify(res.exchanges)).not.toContain(SANDBOX_CLIENT.clientSecret);
    expect(requests.map((r) => new URL(r.url).pathname)).toEqual(["/connect/token", "/api/stores"]);
  });

  it("never has more than maxParallel requests in flight", async () => {
    const { connector, sim, peak } = setup({ maxParallel: 2 });
    sim.control.injectFault({ kind: "latency", latencyMs: 20, path: "/api/stores", times: 6 });
    await connector.find({ connection: "aspos", object: "stores", where: [] });
    await Promise.all(Array.from({ length: 6 }, () => connector.find({ connection: "aspos", object: "stores", where: [] })));
    expect(peak()).toBe(2);
  });

  it("sends the idempotency key on creates, hashing keys longer than the contract allows", async () => {
    const { connector, requests, sim } = setup();
    const key = `flow:customer-sync/event:${"x".repeat(80)}/step:create/0`;
    const first = await connector.send({ connection: "aspos", object: "customers", op: "insert", idempotencyKey: key, payload: { type: "Person", lastName: "Key" } });
    const second = await connector.send({ connection: "aspos", object: "customers", op: "insert", idempotencyKey: key, payload: { type: "Person", lastName: "Key" } });
    const sent = requests.filter((r) => r.method === "POST" && r.url.endsWith("/api/customers")).map((r) => r.headers.get("idempotency-key"));
    expect(sent).toEqual([wireIdempotencyKey(key), wireIdempotencyKey(key)]);
    expect(sent[0]!.length).toBeLessThanOrEqual(64);
    expect(second.result.id).toBe(first.result.id);
    expect(sim.state.customers.filter((c) => c.lastName === "Key")).toHaveLength(1);
    const patch = requests.find((r) => r.method === "PATCH");
    expect(patch).toBeUndefined();
  });

  it("filters client-side what the API cannot, then sorts and takes", async () => {
    const { connector, requests } = setup();
    const res = await connector.find({
      connection: "aspos", object: "customers",
      where: [{ field: "billingAddress.countryCode", op: "ne", value: "NL" }, { field: "lastName", op: "notEmpty", value: null }],
      orderBy: [{ field: "id", desc: true }], take: 2,
    });
    expect(res.rows.map((r) => r.id)).toEqual([10238, 10237]);
    const list = requests.find((r) => r.url.includes("/api/customers"));
    expect(new URL(list!.url).searchParams.get("limit")).toBe("500");
  });

  it("reads an eq with a list as any of the values: one query per value, rows merged once", async () => {
    const { connector, requests } = setup();
    const res = await connector.find({ connection: "aspos", object: "orders", where: [eq("status", ["New", "Completed", "New"])], orderBy: [{ field: "id" }] });
    const single = async (status: string) => (await connector.find({ connection: "aspos", object: "orders", where: [eq("status", status)] })).rows.map((r) => r.id);
    const expected = [...(await single("New")), ...(await single("Completed"))].sort((a, b) => Number(a) - Number(b));
    expect(expected.length).toBeGreaterThan(1);
    expect(res.rows.map((r) => r.id)).toEqual(expected);
    expect(requests.filter((r) => r.url.includes("/api/orders?")).length).toBeGreaterThanOrEqual(4);
    expect((await connector.find({ connection: "aspos", object: "orders", where: [eq("status", [])] })).rows).toEqual([]);
  });

  it("maps eq filters to query parameters and ranges on updatedAt to updatedSince", async () => {
    const { connector, requests } = setup();
    const res = await connector.find({ connection: "aspos", object: "orders", where: [eq("status", "new"), { field: "updatedAt", op: "gt", value: "2025-03-01T09:20:44.9Z" }] });
    expect(res.rows.map((r) => r.id)).toEqual([4015]);
    const url = new URL(requests.at(-1)!.url);
    expect(url.searchParams.get("status")).toBe("new");
    expect(url.searchParams.get("updatedSince")).toBe("2025-03-01T09:20:44.9Z");
  });

  it("needs the filters an endpoint cannot answer without", async () => {
    const { connector } = setup();
    await expect(connector.find({ connection: "aspos", object: "stockInfo", where: [] })).rejects.toThrow(/productId/);
    const info = await connector.find({ connection: "aspos", object: "stockInfo", where: [eq("productId", 48213), eq("storeId", 9)] });
    expect(info.rows).toHaveLength(1);
    expect(info.rows[0]).toMatchObject({ storeId: 9, physicalStockQuantity: 14 });
  });

  it("takes endpoint overrides from config instead of code", async () => {
    const { sim } = setup();
    const requests: string[] = [];
    const connector = createAsposConnector("pos", {
      type: "aspos", baseUrl: "http://tenant.test", clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret,
      endpoints: { openOrders: { list: { path: "/api/orders", paged: true, query: { status: "New" } } } },
    }, { fetch: (input, init) => { requests.push(new Request(input, init).url); return sim.fetch(input, init); } });
    const res = await connector.find({ connection: "pos", object: "pos.openOrders", where: [] });
    expect(res.rows.map((r) => r.status)).toEqual(["New", "New"]);
    await expect(connector.find({ connection: "pos", object: "invoices", where: [] })).rejects.toThrow(/no object 'invoices'/);
  });

  it("keeps the problem body on conflicts and refuses ops an object does not have", async () => {
    const { connector } = setup();
    const err = await connector.send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: "k", payload: { id: 4011, status: "Processing" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe("UPSTREAM_CONFLICT");
    expect((err as UpstreamError).details).toMatchObject({ errorNumber: "InvalidStatusTransition", body: { currentStatus: "Completed", allowed: [] } });
    await expect(connector.send({ connection: "aspos", object: "products", op: "insert", idempotencyKey: "k", payload: {} })).rejects.toThrow(/does not support insert/);
    await expect(connector.send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: "k", payload: { status: "Shipped" } })).rejects.toThrow(/no id/);
  });

  it("moves stock absolutely and by delta, and reports a rejected mutation item", async () => {
    const { connector, sim } = setup();
    const abs = await connector.send({ connection: "aspos", object: "stock", op: "upsert", idempotencyKey: "s1", payload: { productId: 48213, storeId: 13, physicalStockQuantity: 7.5 } });
    expect(abs.result).toMatchObject({ physicalStockQuantity: 7.5, availableQuantity: 7.5 });
    await connector.send({ connection: "aspos", object: "stockMutations", op: "insert", idempotencyKey: "s2", payload: { mutations: [{ number: "601826", storeId: 13, type: "Delta", quantity: -0.25 }] } });
    const level = await connector.find({ connection: "aspos", object: "stock", where: [eq("sku", "601826"), eq("storeId", 13)] });
    expect(level.rows[0]?.physicalStockQuantity).toBe(7.25);
    const err = await connector.send({ connection: "aspos", object: "stockMutations", op: "insert", idempotencyKey: "s3",
      payload: { mutations: [{ number: "601826", storeId: 13, type: "Delta", quantity: 1 }, { number: "NOPE", storeId: 13, type: "Delta", quantity: 1 }] } }).catch((e: unknown) => e) as UpstreamError;
    expect(err.code).toBe("UPSTREAM_REJECTED");
    expect(err.message).toMatch(/1 of 2 items rejected/);
    expect(sim.state.stock.find((r) => r.productId === 48213 && r.storeId === 13)?.physical4).toBe(82_500n);
  });
});
