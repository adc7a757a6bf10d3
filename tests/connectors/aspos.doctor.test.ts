import { describe, expect, it } from "vitest";
import type { ConnectionUse } from "../../engine/flow/port.ts";
import { doctorAspos } from "../../runner/connectors/aspos/doctor.ts";
import { createAsposSimulator, SANDBOX_CLIENT } from "../../sandbox/aspos/index.ts";

const sim = createAsposSimulator({ webhooks: { autoDeliver: false } });
const config = { type: "aspos" as const, baseUrl: "http://aspos.test", clientId: SANDBOX_CLIENT.clientId, clientSecret: SANDBOX_CLIENT.clientSecret };
const use = (object: string, kind: ConnectionUse["kind"]): ConnectionUse => ({ connection: "aspos", object, kind, fields: [] });

describe("doctorAspos", () => {
  it("names a wrong store id and lists the known ones; good lookups are ok", async () => {
    const findings = await doctorAspos({
      name: "aspos", config, options: { fetch: sim.fetch },
      uses: [use("orders", "poll"), use("customers", "find"), use("customers", "send"), use("webProducts", "find"), { connection: "afas", object: "FbSales", kind: "send", fields: [] }],
      lookups: { storeIds: [31, 99], priceListIds: [3], shipmentTypes: ["POSTNL", 3], paymentMethods: ["ideal", 4], paymentTerms: ["30D"] },
    });
    const byCheck = (check: string) => findings.filter((f) => f.check === check);
    expect(byCheck("token")[0]?.level).toBe("ok");
    const stores = byCheck("store");
    expect(stores.map((f) => f.level)).toEqual(["ok", "error"]);
    expect(stores[1]?.message).toMatch(/store id 99 does not exist/);
    expect(stores[1]?.message).toMatch(/31 \(WEB Webshop\)/);
    expect(stores[1]?.fix).toBeTruthy();
    expect(byCheck("shipment type").map((f) => f.level)).toEqual(["ok", "warn"]);
    expect(byCheck("payment method").map((f) => f.level)).toEqual(["ok", "ok"]);
    expect(byCheck("price list")[0]?.level).toBe("ok");
    expect(byCheck("payment term")[0]?.level).toBe("ok");
    expect(byCheck("endpoint aspos.orders")[0]?.level).toBe("ok");
    expect(byCheck("endpoint aspos.customers")[0]?.message).toMatch(/writes are not probed/);
    // storeId comes from the configured stores, so the web catalogue can be probed too
    expect(byCheck("endpoint aspos.webProducts")[0]?.level).toBe("ok");
    expect(findings.some((f) => f.check.includes("FbSales"))).toBe(false);
  });

  it("warns of each AsPos payment method a map without a default lacks: orders paid with it would fail", async () => {
    const run = (codes: string[]) => doctorAspos({ name: "aspos", config, options: { fetch: sim.fetch }, uses: [], lookups: { paymentMethodMap: { name: "paymentMethod", codes } } });
    const lacking = (await run(["IDEAL", "PIN"])).filter((f) => f.check === "payment method map");
    expect(lacking.map((f) => [f.level, f.message.match(/payment method \d+ \((\w+)/)?.[1]])).toEqual([["warn", "CASH"], ["warn", "INVOICE"]]);
    expect(lacking[0]?.message).toMatch(/not in maps\.paymentMethod, which has no default: an order paid with it fails/);
    expect(lacking[0]?.fix).toBe("add CASH: <AFAS payment type> to maps.paymentMethod in mapping.config.yaml");
    expect((await run(["IDEAL", "PIN", "CASH", "INVOICE"])).filter((f) => f.check === "payment method map").map((f) => f.level)).toEqual(["ok"]);
  });

  it("names a row once though a setting names it by id and a map by code", async () => {
    const findings = await doctorAspos({ name: "aspos", config, options: { fetch: sim.fetch }, uses: [], lookups: { shipmentTypes: [1, "POSTNL", "PICKUP"] } });
    expect(findings.filter((f) => f.check === "shipment type").map((f) => f.message)).toEqual([
      expect.stringMatching(/^shipment type 1 \(POSTNL/), expect.stringMatching(/^shipment type 2 \(PICKUP/),
    ]);
  });

  it("stops after a failing token with a fix", async () => {
    const findings = await doctorAspos({ name: "aspos", config: { ...config, clientSecret: "nope" }, options: { fetch: sim.fetch }, uses: [use("orders", "find")] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: "error", check: "token" });
    expect(findings[0]?.fix).toMatch(/clientSecret/);
    expect(findings[0]?.fix).not.toMatch(/network|baseUrl/);
  });

  it("an AsPos that does not answer is the URL or the network, not the credentials", async () => {
    // What fetch throws when nothing listens at the tenant URL.
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:19497"), { code: "ECONNREFUSED" }) });
    };
    const findings = await doctorAspos({ name: "aspos", config, options: { fetch: refused }, uses: [use("orders", "find")] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: "error", check: "reach", message: expect.stringContaining("ECONNREFUSED") });
    expect(findings[0]?.fix).toBe("check connections.aspos.baseUrl (or the environment variable it reads) and the network between this host and AsPos");

    const withTokenUrl = await doctorAspos({ name: "aspos", config: { ...config, tokenUrl: "http://id.aspos.test/connect/token" }, options: { fetch: refused }, uses: [] });
    expect(withTokenUrl[0]?.fix).toMatch(/^check connections\.aspos\.tokenUrl /);
  });

  it("reports an endpoint the tenant does not have, and objects that cannot do what the flows ask", async () => {
    const findings = await doctorAspos({
      name: "aspos", options: { fetch: sim.fetch },
      config: { ...config, endpoints: { orders: { list: { path: "/api/v2/orders", paged: true } } } },
      uses: [use("orders", "find"), use("products", "send"), use("stores", "poll"), use("invoices", "find")],
    });
    const message = (object: string) => findings.find((f) => f.check === `endpoint aspos.${object}`);
    expect(message("orders")).toMatchObject({ level: "error" });
    expect(message("orders")?.fix).toMatch(/endpoints\.orders\.list\.path/);
    expect(message("products")?.message).toMatch(/read-only/);
    expect(message("stores")?.message).toMatch(/not paged/);
    expect(message("invoices")?.message).toMatch(/no 'invoices'/);
  });
});
