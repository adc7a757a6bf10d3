import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { Hono } from "hono";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afasTokenHeader, createAfasSimulator, loadAfasSchemas, signProfitWebhook, xmlToken } from "../../sandbox/afas/index.ts";

const AUTH = { authorization: afasTokenHeader() };
const JSON_HEADERS = { ...AUTH, "content-type": "application/json" };

function sim(options: Parameters<typeof createAfasSimulator>[0] = {}) {
  const s = createAfasSimulator(options);
  const get = async (path: string, headers: Record<string, string> = AUTH) => {
    const res = await s.app.request(`/ProfitRestServices${path}`, { headers });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await s.app.request(`/ProfitRestServices${path}`, {
      method, headers: JSON_HEADERS, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return { ...s, get, send };
}

type Rows = { skip: number; take: number; rows: Record<string, unknown>[] };
const org = (fields: Record<string, unknown>, organisation: Record<string, unknown>) => ({
  KnSalesRelationOrg: { Element: { Fields: fields, Objects: [{ KnOrganisation: { Element: { Fields: organisation } } }] } },
});

describe("AFAS simulator: authentication and transport", () => {
  it("answers 401 without a token, with a raw XML token, or with an unknown token", async () => {
    const s = sim();
    expect((await s.get("/metainfo", {})).status).toBe(401);
    expect((await s.get("/metainfo", { authorization: `AfasToken ${xmlToken("AB".repeat(32))}` })).status).toBe(401);
    expect((await s.get("/metainfo", { authorization: afasTokenHeader(xmlToken("CD".repeat(32))) })).status).toBe(401);
    expect((await s.get("/metainfo")).status).toBe(200);
  });

  it("accepts tokens configured as the bare 64-hex data part", async () => {
    const s = sim({ tokens: ["ab".repeat(32)] });
    expect((await s.get("/metainfo", { authorization: afasTokenHeader(xmlToken("AB".repeat(32))) })).status).toBe(200);
  });

  it("answers 403 when the IP restriction does not include the caller, using the address resolver", async () => {
    let caller = "10.1.2.3";
    const s = sim({ allowIps: ["192.168.0.0/16", "2001:db8::1"], clientAddress: () => caller });
    expect((await s.get("/metainfo")).status).toBe(403);
    caller = "192.168.4.5";
    expect((await s.get("/metainfo")).status).toBe(200);
    caller = "2001:db8::1";
    expect((await s.get("/metainfo")).status).toBe(200);
    s.control.setAllowedIps(null);
    caller = "10.1.2.3";
    expect((await s.get("/metainfo")).status).toBe(200);
  });

  it("matches the /ProfitRestServices prefix and metainfo paths case-insensitively and tags every answer", async () => {
    const s = sim();
    for (const path of ["/profitrestservices/metainfo", "/PROFITRESTSERVICES/MetaInfo", "/ProfitRestServices/Metainfo/Get/koppel_items"]) {
      const res = await s.app.request(path, { headers: AUTH });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("x-trace-identifier")).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await s.app.request("/metainfo", { headers: AUTH })).status).toBe(404);
  });

  it("answers a query string longer than 2049 characters with a bare 404", async () => {
    const s = sim();
    const value = "x".repeat(2049 - "?filterfieldids=Name&operatortypes=6&filtervalues=".length);
    expect((await s.get(`/connectors/Koppel_Debtors?filterfieldids=Name&operatortypes=6&filtervalues=${value}`)).status).toBe(200);
    const long = await s.get(`/connectors/Koppel_Debtors?filterfieldids=Name&operatortypes=6&filtervalues=${value}y`);
    expect(long.status).toBe(404);
    expect(long.body).toBeUndefined();
  });

  it("treats a connector that is not in the App connector as unauthorised", async () => {
    const s = sim();
    s.control.removeConnector("Koppel_Items");
    expect((await s.get("/connectors/Koppel_Items")).status).toBe(401);
    expect((await s.get("/connectors/Nope")).status).toBe(401);
    const listing = await s.get("/metainfo");
    expect(listing.body.getConnectors.map((c: { id: string }) => c.id)).not.toContain("Koppel_Items");
  });
});

describe("AFAS simulator: GetConnectors", () => {
  it("defaults to take 100, returns everything for skip -1/take -1, and rejects take -1 with a skip", async () => {
    const s = sim();
    for (let i = 0; i < 120; i++) {
      s.state.data.stock.set(`X${i}`, { ItemCode: `X${String(i).padStart(3, "0")}`, Warehouse: "09", Quantity: i, ModifiedDate: "2025-04-01T10:00:00.000" });
    }
    const total = s.state.data.stock.size;
    const first = await s.get("/connectors/Koppel_Stock");
    expect(first.body.take).toBe(100);
    expect(first.body.rows).toHaveLength(100);
    expect((await s.get("/connectors/Koppel_Stock?skip=-1&take=-1")).body.rows).toHaveLength(total);
    const bad = await s.get("/connectors/Koppel_Stock?skip=2&take=-1");
    expect(bad.status).toBe(500);
    expect(bad.body).toMatchObject({ externalMessage: "An unexpected error has occurred.", errorNumber: -2147180999 });
    expect(bad.body.profitLogReference).toMatch(/^[0-9A-F]{32}$/);
  });

  it("pages with skip/take under a sort, descending with a leading minus", async () => {
    const s = sim();
    const all = (await s.get("/connectors/Koppel_Items?skip=-1&take=-1&orderbyfieldids=-ItemCode")).body as Rows;
    const codes = all.rows.map((r) => String(r.ItemCode));
    expect(codes).toEqual([...codes].sort((a, b) => b.localeCompare(a)));
    const pages: string[] = [];
    for (let skip = 0; skip < codes.length; skip += 7) {
      const page = (await s.get(`/connectors/Koppel_Items?skip=${skip}&take=7&orderbyfieldids=-ItemCode`)).body as Rows;
      expect(page.skip).toBe(skip);
      pages.push(...page.rows.map((r) => String(r.ItemCode)));
    }
    expect(pages).toEqual(codes);
  });

  const cases: [string, number, string, (r: Record<string, unknown>) => boolean][] = [
    ["DbId", 1, "20045", (r) => r.DbId === "20045"],
    ["DbId", 2, "20050", (r) => String(r.DbId) >= "20050"],
    ["DbId", 3, "20047", (r) => String(r.DbId) <= "20047"],
    ["DbId", 4, "20054", (r) => String(r.DbId) > "20054"],
    ["DbId", 5, "20046", (r) => String(r.DbId) < "20046"],
    ["Name", 6, "bakker", (r) => String(r.Name).toLowerCase().includes("bakker")],
    ["CountryId", 7, "NL", (r) => r.CountryId !== "NL"],
    ["Email", 8, "", (r) => r.Email === null],
    ["VatNumber", 9, "", (r) => r.VatNumber !== null],
    ["Name", 10, "Café", (r) => String(r.Name).startsWith("Café")],
    ["Name", 11, "B.V.", (r) => !String(r.Name).includes("B.V.")],
    ["Email", 12, "info", (r) => !String(r.Email ?? "").startsWith("info")],
    ["Email", 13, ".nl", (r) => String(r.Email).endsWith(".nl")],
    ["Email", 14, ".nl", (r) => !String(r.Email ?? "").endsWith(".nl")],
    ["Name", 15, "de", (r) => String(r.Name).toLowerCase().includes("de")],
  ];
  it.each(cases)("filters %s with operator %i", async (field, op, value, holds) => {
    const s = sim();
    const all = ((await s.get("/connectors/Koppel_Debtors?skip=-1&take=-1")).body as Rows).rows;
    const got = ((await s.get(`/connectors/Koppel_Debtors?skip=-1&take=-1&filterfieldids=${field}&operatortypes=${op}&filtervalues=${encodeURIComponent(value)}`)).body as Rows).rows;
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((r) => r.DbId)).toEqual(all.filter(holds).map((r) => r.DbId));
  });

  it("strips % wildcards and compares text case-insensitively", async () => {
    const s = sim();
    const got = ((await s.get("/connectors/Koppel_Debtors?filterfieldids=Email&operatortypes=6&filtervalues=%25KROON%25")).body as Rows).rows;
    expect(got.map((r) => r.DbId)).toEqual(["20045"]);
  });

  it("combines `,` as AND inside `;` OR groups, and filterjson the same way", async () => {
    const s = sim();
    const lists = ((await s.get(`/connectors/Koppel_Debtors?orderbyfieldids=DbId&filterfieldids=${encodeURIComponent("DebtorType,CountryId;DbId")}&filtervalues=${encodeURIComponent("O,B;20048")}&operatortypes=${encodeURIComponent("1,1;1")}`)).body as Rows).rows;
    expect(lists.map((r) => r.DbId)).toEqual(["20047", "20048"]);
    const json = { Filters: { Filter: [
      { "@FilterId": "Filter 1", Field: [{ "@FieldId": "DebtorType", "@OperatorType": "1", "#text": "O" }, { "@FieldId": "CountryId", "@OperatorType": 1, "#text": "B" }] },
      { "@FilterId": "Filter 2", Field: { "@FieldId": "DbId", "@OperatorType": "1", "#text": "20048" } },
    ] } };
    const viaJson = ((await s.get(`/connectors/Koppel_Debtors?orderbyfieldids=DbId&filterjson=${encodeURIComponent(JSON.stringify(json))}`)).body as Rows).rows;
    expect(viaJson).toEqual(lists);
  });

  it("compares datetimes at full precision, so ranges work and an equal-second filter does not", async () => {
    const s = sim();
    const q = (f: string, v: string, o: string) => s.get(`/connectors/Koppel_Items?skip=-1&take=-1&filterfieldids=${f}&filtervalues=${encodeURIComponent(v)}&operatortypes=${o}`);
    const rows = ((await q("ModifiedDate,ModifiedDate", "2025-03-01T09:01:00,2025-03-01T09:01:01", "2,5")).body as Rows).rows;
    expect(rows.length).toBe(10);
    expect(rows.every((r) => r.ModifiedDate === "2025-03-01T09:01:00Z")).toBe(true);
    expect(((await q("ModifiedDate", "2025-03-01T09:01:00", "1")).body as Rows).rows).toHaveLength(0);
  });

  it("rejects a filter on a field the GetConnector does not have", async () => {
    const s = sim();
    const res = await s.get("/connectors/Koppel_Debtors?filterfieldids=Nope&filtervalues=1&operatortypes=1");
    expect(res.status).toBe(500);
    expect(res.body.externalMessage).toBe("Connector field 'Nope' not found.");
  });

  it("prints rows that match the GetConnector schemas, with null for empty values and Z datetimes", async () => {
    const s = sim();
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    ajv.addKeyword("x-key");
    for (const [id, schema] of loadAfasSchemas().get) {
      const { $id: _ignored, ...anonymous } = schema;
      const check = ajv.compile(anonymous);
      const rows = ((await s.get(`/connectors/${id}?skip=-1&take=-1`)).body as Rows).rows;
      expect(rows.length, id).toBeGreaterThan(0);
      for (const row of rows) expect(check(row), `${id}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
  });
});

describe("AFAS simulator: UpdateConnectors", () => {
  it("inserts an organisation debtor and assigns DbId and BcCo", async () => {
    const s = sim();
    const res = await s.send("POST", "/connectors/KnSalesRelationOrg", org({ CuId: "EUR" }, { MatchOga: "6", Nm: "Acme B.V.", EmAd: "info@acme.example" }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ results: { KnSalesRelationOrg: { DbId: "30001", BcCo: "1000701" } } });
    const rows = ((await s.get("/connectors/Koppel_Debtors?filterfieldids=Email&filtervalues=info@acme.example&operatortypes=1")).body as Rows).rows;
    expect(rows).toMatchObject([{ DbId: "30001", Name: "Acme B.V.", DebtorType: "O" }]);
  });

  it("shows in Koppel_Debtors.Email exactly the field afas-setup.md names: an organisation's EmAd, a person's private EmA2, never another", async () => {
    const s = sim();
    const person = (email: Record<string, string>) => ({ KnSalesRelationPer: { Element: { Fields: { CuId: "EUR" },
      Objects: { KnPerson: { Element: { Fields: { MatchPer: "7", FiNm: "Jan", LaNm: "Jansen", ...email } } } } } } });
    const privateMail = (await s.send("POST", "/connectors/KnSalesRelationPer", person({ EmA2: "prive@example.nl" }))).body.results.KnSalesRelationPer.DbId;
    const workMail = (await s.send("POST", "/connectors/KnSalesRelationPer", person({ EmAd: "werk@example.nl" }))).body.results.KnSalesRelationPer.DbId;
    const rows = ((await s.get("/connectors/Koppel_Debtors?skip=-1&take=-1")).body as Rows).rows as { DbId: string; Email: string | null }[];
    const email = (id: string) => rows.find((r) => r.DbId === id)?.Email ?? null;
    expect(email(privateMail)).toBe("prive@example.nl");
    expect(email(workMail)).toBeNull();
  });

  it("accepts the @Key, single-object Objects and @Action forms of the envelope", async () => {
    const s = sim();
    const res = await s.send("POST", "/connectors/KnSalesRelationPer", { KnSalesRelationPer: { Element: {
      "@DbId": "40001", "@Action": "insert",
      Fields: { CuId: "EUR" },
      Objects: { KnPerson: { Element: { Fields: { MatchPer: "7", FiNm: "Jan", LaNm: "Jansen", EmA2: "jan@example.com" },
        Objects: { KnBasicAddressAdr: { Element: { Fields: { CoId: "NL", PbAd: false, ResZip: false, Rs: "Leusden" } } } } } } },
    } } });
    expect(res.status).toBe(201);
    expect(res.body.results.KnSalesRelationPer.DbId).toBe("40001");
    expect(s.control.records("Koppel_Debtors")).toContainEqual(expect.objectContaining({ DbId: "40001", Email: "jan@example.com", City: "Leusden", DebtorType: "P" }));
  });

  it("answers a missing mandatory field, a wrong type and an unknown field with Profit's 500 body", async () => {
    const s = sim();
    const missing = await s.send("POST", "/connectors/KnSalesRelationOrg", org({ IsDb: true }, { MatchOga: "6", Nm: "X" }));
    expect(missing.status).toBe(500);
    expect(missing.body).toEqual({ externalMessage: "Field 'CuId' is mandatory in object 'KnSalesRelationOrg'.", errorNumber: -2147220469, profitLogReference: expect.stringMatching(/^[0-9A-F]{32}$/) });
    const wrongType = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045" }, Objects: [{ FbSalesLines: { Element: { Fields: { VaIt: "2", ItCd: "601826", BiUn: "STK", QuUn: "six" } } } }] } } });
    expect(wrongType.body.externalMessage).toContain("'QuUn'");
    // The unit is mandatory on an order line (the reference's required list), as Profit refuses it.
    const noUnit = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045" }, Objects: [{ FbSalesLines: { Element: { Fields: { VaIt: "2", ItCd: "601826", QuUn: 1 } } } }] } } });
    expect(noUnit.status).toBe(500);
    expect(noUnit.body.externalMessage).toBe("Field 'BiUn' is mandatory in object 'FbSalesLines'.");
    const unknown = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045", Colour: "red" } } } });
    expect(unknown.body.externalMessage).toBe("Field 'Colour' does not exist in object 'FbSales'.");
    expect(s.control.inspect().updateConnectors).toMatchObject({ KnSalesRelationOrg: 0, FbSales: 0 });
  });

  it("updates with PUT needing only the key, and rejects an unknown key", async () => {
    const s = sim();
    const put = await s.send("PUT", "/connectors/KnSalesRelationOrg", org({ DbId: "20045", PaCd: "30" }, { MatchOga: "0", BcCo: "1000612", EmAd: "nieuw@bakkerijdekroon.nl" }));
    expect(put.status).toBe(200);
    expect(put.body).toBeUndefined();
    expect(s.state.data.debtors.get("20045")).toMatchObject({ PaymentCondition: "30", Email: "nieuw@bakkerijdekroon.nl" });
    const unknown = await s.send("PUT", "/connectors/KnSalesRelationOrg", { KnSalesRelationOrg: { Element: { Fields: { DbId: "99999", PaCd: "30" } } } });
    expect(unknown.status).toBe(500);
    expect(unknown.body.externalMessage).toContain("does not exist");
  });

  it("keeps a person's name parts: an update naming one part recomposes the name from the kept ones", async () => {
    const s = sim();
    expect(s.state.data.debtors.get("20048")).toMatchObject({ Name: "Jan van den Berg", FirstName: "Jan", Prefix: "van den", LastName: "Berg" });
    const person = (fields: Record<string, unknown>) => ({ KnSalesRelationPer: { Element: { Fields: { DbId: "20048" }, Objects: [{ KnPerson: { Element: { Fields: { MatchPer: "0", BcCo: "1000615", ...fields } } } }] } } });
    await s.send("PUT", "/connectors/KnSalesRelationPer", person({ TeNr: "+31 6 1" }));
    expect(s.state.data.debtors.get("20048")).toMatchObject({ Name: "Jan van den Berg", Phone: "+31 6 1" });
    await s.send("PUT", "/connectors/KnSalesRelationPer", person({ Is: "", LaNm: "Bakker" }));
    expect(s.state.data.debtors.get("20048")).toMatchObject({ Name: "Jan Bakker", FirstName: "Jan", Prefix: null, LastName: "Bakker" });
    const rows = ((await s.get("/connectors/Koppel_Debtors?filterfieldids=DbId&filtervalues=20048&operatortypes=1")).body as Rows).rows;
    expect(rows).toMatchObject([{ Name: "Jan Bakker", FirstName: "Jan", Prefix: null, LastName: "Bakker" }]);
  });

  it("creates, changes and deletes a sales order through every path form", async () => {
    const s = sim();
    const created = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045", RfCs: "WS-1", OrDa: "2025-03-05" },
      Objects: [{ FbSalesLines: { Element: [{ Fields: { VaIt: "2", ItCd: "601826", BiUn: "STK", QuUn: 6 } }, { Fields: { VaIt: "6", ItCd: "VERZEND", BiUn: "*****", QuUn: 1, Upri: 4.09 } }] } }] } } });
    expect(created.status).toBe(201);
    const orNu = created.body.results.FbSales.OrNu as string;
    const line = s.state.data.salesOrders.get(orNu)!.lines[0]!;
    expect(line).toMatchObject({ ItemCode: "601826", Unit: "STK", UnitPrice: 2.0579 });
    const put = await s.send("PUT", "/connectors/FbSales", { FbSales: { Element: { Fields: { OrNu: orNu, RfCs: "WS-1b" },
      Objects: [{ FbSalesLines: { Element: { Fields: { GuLi: line.LineGuid, QuUn: 7 } } } }] } } });
    expect(put.status).toBe(200);
    expect(s.state.data.salesOrders.get(orNu)).toMatchObject({ ExternalNumber: "WS-1b" });
    expect(s.state.data.salesOrders.get(orNu)!.lines[0]!.Quantity).toBe(7);
    expect((await s.send("DELETE", `/connectors/FbSales/FbSales/@OrNu/${orNu}`)).status).toBe(200);
    expect(s.state.data.salesOrders.has(orNu)).toBe(false);
    expect((await s.send("DELETE", "/connectors/FbSales/FbSales/OrNu/2025-000813")).status).toBe(200);
    expect((await s.send("DELETE", "/connectors/FbSales/FbSales/OrNu/2025-000813")).status).toBe(500);
  });

  it("refuses unknown items and debtors on order lines", async () => {
    const s = sim();
    const res = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045" }, Objects: [{ FbSalesLines: { Element: { Fields: { VaIt: "2", ItCd: "NOPE", BiUn: "STK", QuUn: 1 } } } }] } } });
    expect(res.body.externalMessage).toContain("'Item' (NOPE)");
    const debtor = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "1" } } } });
    expect(debtor.body.externalMessage).toContain("'Debtor' (1)");
  });

  it("books a direct invoice out of stock and answers OrNu and Liln", async () => {
    const s = sim();
    const before = s.state.data.stock.get("601826\u000001")!.Quantity;
    const res = await s.send("POST", "/connectors/FbDirectInvoice", { FbDirectInvoice: { Element: { Fields: { DbId: "20045", War: "01" },
      Objects: { FbDirectInvoiceLines: { Element: { Fields: { VaIt: "2", ItCd: "601826", BiUn: "STK", QuUn: 2 } } } } } } });
    expect(res.status).toBe(201);
    expect(res.body.results.FbDirectInvoice).toEqual({ OrNu: expect.any(String), Liln: expect.stringMatching(/^V\d{7}$/) });
    expect(s.state.data.stock.get("601826\u000001")!.Quantity).toBe(before - 2);
  });

  it("requires a balanced journal entry, answers under FiEntryPar and deletes by the nested path", async () => {
    const s = sim();
    const entry = (credit: number) => ({ FiEntryPar: { Element: { Fields: { Year: 2025, Peri: 3, UnId: 1, JoCo: "70", AuNu: true },
      Objects: [{ FiEntries: { Element: [
        { Fields: { VaAs: "2", AcNr: "20045", EnDa: "2025-03-01", BpDa: "2025-03-01", AmDe: 24.98 } },
        { Fields: { VaAs: "1", AcNr: "8000", EnDa: "2025-03-01", BpDa: "2025-03-01", AmCr: credit, VaId: "1" } },
      ] } }] } } });
    const unbalanced = await s.send("POST", "/connectors/FiEntries", entry(20));
    expect(unbalanced.body.externalMessage).toBe("The entry is not in balance: debit 24.98, credit 20.00.");
    const ok = await s.send("POST", "/connectors/FiEntries", entry(24.98));
    expect(ok.status).toBe(201);
    const { EnNo } = ok.body.results.FiEntryPar;
    expect(ok.body.results.FiEntryPar).toEqual({ UnId: "1", EnNo, InId: expect.stringMatching(/^V/) });
    expect((await s.send("DELETE", `/connectors/FiEntries/FiEntryPar/UnId,JoCo/1,70/FiEntries/@EnNo/${EnNo}`)).status).toBe(200);
    expect(s.state.data.journalEntries).toHaveLength(0);
    const update = await s.send("PUT", "/connectors/FiEntries", entry(24.98));
    expect(update.body.externalMessage).toBe("UpdateConnector 'FiEntries' does not support update.");
  });

  it("books a journal entry only in a fiscal period that exists, holds its dates and is open", async () => {
    const s = sim();
    const entry = (peri: number, date: string) => ({ FiEntryPar: { Element: { Fields: { Year: 2025, Peri: peri, UnId: 1, JoCo: "70" },
      Objects: [{ FiEntries: { Element: [
        { Fields: { VaAs: "1", AcNr: "1000", EnDa: date, BpDa: date, AmDe: 10 } },
        { Fields: { VaAs: "1", AcNr: "8000", EnDa: date, BpDa: date, AmCr: 10 } },
      ] } }] } } });
    expect((await s.send("POST", "/connectors/FiEntries", entry(3, "2025-03-31"))).status).toBe(201);
    expect((await s.send("POST", "/connectors/FiEntries", entry(3, "2025-04-01"))).body.externalMessage).toBe("Date 2025-04-01 does not belong to period 3 of 2025.");
    expect((await s.send("POST", "/connectors/FiEntries", entry(13, "2025-03-31"))).body.externalMessage).toBe("Period 13 of 2025 does not exist in administration 1.");
    s.control.setPeriods(s.state.data.periods.map((p) => (p.Year === 2025 && p.Period === 3 ? { ...p, Blocked: true } : p)));
    expect((await s.send("POST", "/connectors/FiEntries", entry(3, "2025-03-31"))).body.externalMessage).toBe("Date 2025-03-31 belongs to a blocked period.");
  });

  it("answers a stock mutation with 201 and no body, and moves the stock", async () => {
    const s = sim();
    const before = s.state.data.stock.get("601826\u000001")!.Quantity;
    const res = await s.send("POST", "/connectors/FbStockMutation", { FbStockMutation: { Element: [
      { Fields: { VaOt: "42", ReId: "2", VaIt: "2", ItCd: "601826", War: "01", Loc: "*****", BiUn: "STK", QuUn: 3, Qu: 3 } },
      { Fields: { VaOt: "41", ReId: "2", VaIt: "2", ItCd: "601826", War: "02", Loc: "*****", BiUn: "STK", QuUn: 3, Qu: 3 } },
    ] } });
    expect(res.status).toBe(201);
    expect(res.body).toBeUndefined();
    expect(s.state.data.stock.get("601826\u000001")!.Quantity).toBe(before - 3);
    expect(s.control.inspect().updateConnectors.FbStockMutation).toBe(2);
  });

  it("applies a multi-element body as one transaction", async () => {
    const s = sim();
    const live = s.state.data.stock.get("601826\u000001")!;
    const before = { ...live };
    const res = await s.send("POST", "/connectors/FbStockMutation", { FbStockMutation: { Element: [
      { Fields: { VaOt: "41", ReId: "2", VaIt: "2", ItCd: "601826", War: "01", Loc: "*****", BiUn: "STK", QuUn: 3, Qu: 3 } },
      { Fields: { VaOt: "41", ReId: "2", VaIt: "2", ItCd: "601826", War: "77", Loc: "*****", BiUn: "STK", QuUn: 3, Qu: 3 } },
    ] } });
    expect(res.status).toBe(500);
    expect(s.control.inspect().updateConnectors.FbStockMutation).toBe(0);
    // The first element changed its stock record in place, in the draft only.
    expect(s.state.data.stock.get("601826\u000001")).toEqual(before);
    expect(live).toEqual(before);
  });
});

describe("AFAS simulator: metainfo", () => {
  it("lists connectors and describes GetConnector and UpdateConnector fields in Profit's shapes", async () => {
    const s = sim({ environmentId: "T54321AB" });
    const listing = (await s.get("/metainfo")).body;
    expect(listing.info).toMatchObject({ envid: "T54321AB", tokenExpiry: "0" });
    expect(listing.updateConnectors.map((c: { id: string }) => c.id)).toEqual(
      ["KnSalesRelationOrg", "KnSalesRelationPer", "FbSales", "FbDirectInvoice", "FiEntries", "FbStockMutation"]);
    const get = (await s.get("/metainfo/get/Koppel_Debtors")).body;
    expect(get.fields[0]).toMatchObject({ id: "DbId", fieldId: "U001", dataType: "string", length: 16, decimalsFieldId: "" });
    const update = (await s.get("/metainfo/update/FiEntries")).body;
    expect(update).toMatchObject({ id: "FiEntries", name: "FiEntryPar" });
    expect(update.objects[0].name).toBe("FiEntries");
    expect(update.objects[0].fields.find((f: { fieldId: string }) => f.fieldId === "VaAs")).toMatchObject({
      mandatory: true, dataType: "string", decimalFieldId: "", values: [{ id: "1", description: "1" }, { id: "2", description: "2" }, { id: "3", description: "3" }] });
  });

  it("shows a renamed field in metainfo and in rows, and refuses the old name in filters", async () => {
    const s = sim();
    s.control.renameField("Koppel_Debtors", "Email", "EmailAddress");
    s.control.renameField("KnSalesRelationOrg", "KnOrganisation.EmAd", "EmAd2");
    const fields = (await s.get("/metainfo/get/Koppel_Debtors")).body.fields.map((f: { id: string }) => f.id);
    expect(fields).toContain("EmailAddress");
    expect(fields).not.toContain("Email");
    const row = ((await s.get("/connectors/Koppel_Debtors?take=1")).body as Rows).rows[0]!;
    expect(row).toHaveProperty("EmailAddress");
    expect((await s.get("/connectors/Koppel_Debtors?filterfieldids=Email&filtervalues=x&operatortypes=1")).status).toBe(500);
    const org = (await s.get("/metainfo/update/KnSalesRelationOrg")).body.objects[0];
    expect(org.fields.map((f: { fieldId: string }) => f.fieldId)).toContain("EmAd2");
  });
});

describe("AFAS simulator: faults and control", () => {
  it("answers 503 with retry_after and Retry-After for N requests, then recovers", async () => {
    const s = sim();
    s.control.injectFault({ unavailable: { requests: 2, retryAfterSeconds: 120 } });
    for (let i = 0; i < 2; i++) {
      const res = await s.get("/metainfo");
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("120");
      expect(res.body).toEqual({ error: { code: "503", message: expect.stringContaining("maintenance") }, retry_after: 120 });
    }
    expect((await s.get("/metainfo")).status).toBe(200);
  });

  it("keeps a maintenance window for a duration on the injected clock", async () => {
    let now = 1_000_000;
    const s = sim({ now: () => now });
    s.control.injectFault({ unavailable: { durationMs: 60_000, header: false } });
    const res = await s.get("/metainfo");
    expect(res.status).toBe(503);
    expect(res.body.retry_after).toBe(60);
    expect(res.headers.get("retry-after")).toBeNull();
    now += 30_000;
    expect((await s.get("/metainfo")).body.retry_after).toBe(30);
    now += 30_000;
    expect((await s.get("/metainfo")).status).toBe(200);
  });

  it("forces a validation error on the next write of one connector", async () => {
    const s = sim();
    s.control.injectFault({ validationError: { connector: "FbSales", message: "Journal is locked." } });
    expect((await s.get("/connectors/Koppel_Items?take=1")).status).toBe(200);
    const res = await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045" } } } });
    expect(res.body.externalMessage).toBe("Journal is locked.");
    expect((await s.send("POST", "/connectors/FbSales", { FbSales: { Element: { Fields: { DbId: "20045" } } } })).status).toBe(201);
  });

  it("exposes control endpoints over HTTP under /_sandbox", async () => {
    const s = sim();
    const post = (path: string, body?: unknown) => s.app.request(`/_sandbox${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
    await post("/metainfo/remove", { connector: "FbSales" });
    await post("/metainfo/rename", { connector: "Koppel_Items", field: "ItemCode", to: "Sku" });
    expect(((await s.get("/metainfo")).body.updateConnectors as { id: string }[]).some((c) => c.id === "FbSales")).toBe(false);
    await post("/faults", { unavailable: { requests: 1 } });
    expect((await s.get("/metainfo")).status).toBe(503);
    const stats = await (await s.app.request("/_sandbox/stats")).json() as { requests: number; byStatus: Record<string, number> };
    expect(stats.requests).toBe(2);
    expect(stats.byStatus).toEqual({ 200: 1, 503: 1 });
    await s.app.request("/_sandbox/sales-orders/2025-000812", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ DeliveryState: 2, Status: "Delivered" }) });
    const state = await (await s.app.request("/_sandbox/state/Koppel_SalesOrders")).json() as { records: Record<string, unknown>[] };
    expect(state.records.find((r) => r.OrderNumber === "2025-000812")).toMatchObject({ DeliveryState: 2, Status: "Delivered" });
    await post("/reset");
    expect((await s.get("/metainfo")).body.updateConnectors.some((c: { id: string }) => c.id === "FbSales")).toBe(true);
    expect((await (await s.app.request("/_sandbox/state")).json() as { getConnectors: Record<string, number> }).getConnectors.Koppel_Debtors).toBe(13);
  });

  it("knows the default debtor a `koppel init` repository posts its orders on, so that repository's demo orders land", () => {
    const template = readFileSync(resolve(import.meta.dirname, "../../templates/mapping-repo/mapping.config.yaml"), "utf8");
    const defaultDebtor = /defaultDebtor: "(\d+)"/.exec(template)?.[1];
    expect(defaultDebtor).toBeDefined();
    expect(sim().control.records("Koppel_Debtors")).toContainEqual(expect.objectContaining({ DbId: defaultDebtor, Blocked: false }));
  });
});

describe("AFAS simulator: webhooks", () => {
  it("posts a Profit-shaped body signed with X-Profit-Signature-256 over the raw body", async () => {
    const s = sim();
    const received: { raw: string; signature: string | undefined }[] = [];
    const receiver = new Hono().post("/hook", async (c) => {
      received.push({ raw: await c.req.text(), signature: c.req.header("x-profit-signature-256") });
      return c.body(null, 204);
    });
    const result = await s.control.sendWebhook({
      url: "http://receiver.test/hook", secret: "s3cret", eventType: "subject.created", data: { SubjectTypeId: 5, SubjectId: 49299 },
      fetch: (input, init) => Promise.resolve(receiver.request(input as string, init)),
    });
    expect(result.status).toBe(204);
    const [{ raw, signature }] = received as [typeof received[number]];
    expect(signature).toBe(`sha256=${createHmac("sha256", "s3cret").update(raw).digest("hex")}`);
    expect(signature).toBe(signProfitWebhook(raw, "s3cret"));
    expect(JSON.parse(raw)).toEqual({
      EventId: expect.stringMatching(/^[0-9a-f-]{36}$/), EnvironmentId: "12345AA", EventType: "subject.created",
      Data: { SubjectTypeId: 5, SubjectId: 49299 }, Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
    });
  });
});
