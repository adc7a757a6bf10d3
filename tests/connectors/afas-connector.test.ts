import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../common/errors.ts";
import { authorizationHeader, clampParallel, createAfasConnector, resolveBaseUrl } from "../../runner/connectors/afas/index.ts";
import { toEnvelope } from "../../runner/connectors/afas/envelope.ts";
import { deletePath } from "../../runner/connectors/afas/delete-path.ts";
import { buildQuery } from "../../runner/connectors/afas/filters.ts";
import { afasOutage, httpError } from "../../runner/connectors/afas/errors.ts";
import { MAX_QUERY_LENGTH } from "../../runner/connectors/afas/http.ts";
import { profitLocalTime } from "../../runner/connectors/afas/poll.ts";
import { SANDBOX_OAUTH_CLIENT, SANDBOX_TOKEN, SANDBOX_TOKEN_DATA, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

describe("AFAS connector: gateway errors", () => {
  // AfasHttp marks its POSTs, the UpdateConnector inserts, as creates.
  const call = (status: number, method: string) =>
    httpError({ connection: "afas", action: "insert FbSales", connector: "FbSales", status, body: "", headers: new Headers(), nowMs: 0, creates: method === "POST" });

  it("takes a 502 or 504 to an insert as a lost answer (Profit may have booked it), to a read or update as an outage", () => {
    for (const status of [502, 504]) {
      expect(call(status, "POST")).toMatchObject({ code: "UPSTREAM_UNCERTAIN", retryable: false });
      expect(call(status, "POST").message).toContain(`its gateway answered ${status} instead of Profit`);
      expect(call(status, "GET")).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true });
      expect(call(status, "PUT")).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true });
    }
    // Maintenance answers before Profit touches anything.
    expect(call(503, "POST")).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true });
  });

  it("takes a 500 without Profit's error message (an IIS error page) as an outage for a read, a lost answer for an insert", () => {
    expect(call(500, "GET")).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true });
    expect(call(500, "POST")).toMatchObject({ code: "UPSTREAM_UNCERTAIN", retryable: false });
    const refused = httpError({ connection: "afas", action: "insert FbSales", connector: "FbSales", status: 500, body: { externalMessage: "Periode is afgesloten." }, headers: new Headers(), nowMs: 0, creates: true });
    expect(refused).toMatchObject({ code: "UPSTREAM_REJECTED", retryable: false });
  });
});

describe("AFAS connector: Profit's 500s that are the server's state, not the request's fault", () => {
  const answer = (externalMessage: string, method = "GET") =>
    httpError({ connection: "afas", action: "read Koppel_Debtors", connector: "Koppel_Debtors", status: 500, body: { externalMessage, profitLogReference: "ref-1" }, headers: new Headers(), nowMs: 0, creates: method === "POST" });

  it("a server command timeout is retried after 15 minutes, and counts as an outage", () => {
    for (const text of ["Command timeout expired.", "De maximale tijdsduur voor het uitvoeren van de opdracht is verstreken."]) {
      const err = answer(text);
      expect(err).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true, details: { retryAfterMs: 15 * 60_000, upstreamMessage: text, reference: "ref-1" } });
      expect(afasOutage(500, { externalMessage: text })).toBe(true);
    }
  });

  it("a blocked GetConnector is retried until an administrator unblocks it, and counts as an outage", () => {
    const err = answer("This GetConnector (definition) is blocked");
    expect(err).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true });
    expect(err.message).toContain("an administrator unblocks it in Profit");
    expect(afasOutage(500, { externalMessage: "This GetConnector (definition) is blocked" })).toBe(true);
  });

  it("a journal or record someone in Profit holds locked is sent again in 5 minutes, an insert too (a lock refuses before booking); it is no outage", () => {
    for (const text of ["Dagboek 70 is in gebruik door een andere gebruiker.", "The journal is locked by another user.", "The journal is locked.", "Dagboek 70 is vergrendeld.", "Record is in use by user 12345.jan."]) {
      for (const method of ["POST", "PUT"]) {
        expect(answer(text, method)).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true, details: { retryAfterMs: 5 * 60_000, upstreamMessage: text } });
      }
      expect(afasOutage(500, { externalMessage: text })).toBe(false);
    }
    // Nor is a value "already in use": another relation has that e-mail address, for good.
    for (const text of ["Het e-mailadres is al in gebruik door relatie 10045.", "The value is already in use by debtor 20045."]) {
      expect(answer(text, "POST")).toMatchObject({ code: "UPSTREAM_REJECTED", retryable: false });
    }
    // "blocked" is not "locked": a blocked period is the request's problem.
    expect(answer("Date 2025-01-31 belongs to a blocked period.", "POST")).toMatchObject({ code: "UPSTREAM_REJECTED", retryable: false });
  });

  it("an insert's server timeout is a lost answer: Profit may have booked it before giving up", () => {
    const err = answer("Command timeout expired.", "POST");
    expect(err).toMatchObject({ code: "UPSTREAM_UNCERTAIN", retryable: false, details: { upstreamMessage: "Command timeout expired.", reference: "ref-1" } });
    expect(err.message).toContain("Profit gave up after its 900 s limit");
  });

  it("keeps the call's X-Trace-Identifier beside Profit's profitLogReference", () => {
    const err = httpError({ connection: "afas", action: "insert FbSales", connector: "FbSales", status: 500, body: { externalMessage: "Periode is afgesloten.", profitLogReference: "LOGREF" },
      headers: new Headers({ "x-trace-identifier": "TRACE-1" }), nowMs: 0, creates: true });
    expect(err.details).toMatchObject({ reference: "LOGREF", trace: "TRACE-1" });
  });

  it("a validation message stays a refusal", () => {
    expect(answer("Periode is afgesloten.")).toMatchObject({ code: "UPSTREAM_REJECTED", retryable: false });
    // A blocked debtor is the request's problem, not a blocked GetConnector.
    expect(answer("Debiteur 30001 is geblokkeerd.", "PUT")).toMatchObject({ code: "UPSTREAM_REJECTED", retryable: false });
    expect(afasOutage(500, { externalMessage: "Debiteur 30001 is geblokkeerd." })).toBe(false);
    expect(afasOutage(500, { externalMessage: "Periode is afgesloten." })).toBe(false);
  });
});

describe("AFAS connector: configuration", () => {
  it("derives the base URL from the environment letter", () => {
    const url = (environment: string) => resolveBaseUrl("afas", { type: "afas", token: "", environment });
    expect(url("O12345AA")).toBe("https://12345.rest.afas.online/ProfitRestServices");
    expect(url("T12345AA")).toBe("https://12345.resttest.afas.online/ProfitRestServices");
    expect(url("a12345ab")).toBe("https://12345.restaccept.afas.online/ProfitRestServices");
    expect(resolveBaseUrl("afas", { type: "afas", token: "", baseUrl: "http://127.0.0.1:9/ProfitRestServices/" })).toBe("http://127.0.0.1:9/ProfitRestServices");
    expect(() => url("X12345AA")).toThrow(ConfigError);
  });

  it("encodes the XML token, and wraps a bare data part the same way", () => {
    const fromXml = authorizationHeader("afas", SANDBOX_TOKEN);
    expect(fromXml).toBe(`AfasToken ${Buffer.from(SANDBOX_TOKEN).toString("base64")}`);
    expect(authorizationHeader("afas", SANDBOX_TOKEN_DATA)).toBe(fromXml);
    const bad = () => authorizationHeader("afas", "hunter2");
    expect(bad).toThrow(ConfigError);
    expect(bad).not.toThrow(/hunter2/);
  });

  it("caps maxParallel at AFAS's 8 and defaults to 4", () => {
    expect(clampParallel(undefined)).toBe(4);
    expect(clampParallel(20)).toBe(8);
    expect(clampParallel(0)).toBe(1);
    expect(clampParallel(6)).toBe(6);
  });
});

describe("AFAS connector: wire formats", () => {
  it("builds the Element/Fields/Objects envelope from a plain payload", () => {
    expect(toEnvelope("FbSales", { OrNu: "1", DbId: "20045", FbSalesLines: [{ VaIt: "2", ItCd: "601826", QuUn: 6 }] })).toEqual({
      FbSales: { Element: { Fields: { OrNu: "1", DbId: "20045" }, Objects: [{ FbSalesLines: { Element: [{ Fields: { VaIt: "2", ItCd: "601826", QuUn: 6 } }] } }] } },
    });
    expect(toEnvelope("KnSalesRelationOrg", { CuId: "EUR", KnOrganisation: { Nm: "X", KnContact: { ViKc: "PRS" } } })).toEqual({
      KnSalesRelationOrg: { Element: { Fields: { CuId: "EUR" }, Objects: [{ KnOrganisation: { Element: {
        Fields: { Nm: "X" }, Objects: [{ KnContact: { Element: { Fields: { ViKc: "PRS" } } } }] } } }] } },
    });
    expect(Object.keys(toEnvelope("FiEntries", { JoCo: "70" }))).toEqual(["FiEntryPar"]);
  });

  it("builds delete paths with the keys, including a nested row", () => {
    expect(deletePath("FbSales", { OrNu: "2025-000812" }, ["OrNu"])).toBe("/connectors/FbSales/FbSales/@OrNu/2025-000812");
    expect(deletePath("FiEntries", { UnId: 1, JoCo: "70", FiEntries: [{ EnNo: "5001" }] }, ["UnId", "JoCo"]))
      .toBe("/connectors/FiEntries/FiEntryPar/@UnId,@JoCo/1,70/FiEntries/@EnNo/5001");
    expect(() => deletePath("FbSales", {}, ["OrNu"])).toThrow(/OrNu has no value/);
  });

  it("maps every engine operator to Profit's number and groups OR/AND lists", () => {
    const q = buildQuery({
      skip: 0, take: 10, orderBy: [{ field: "Name", desc: true }, { field: "DbId" }],
      groups: [[{ field: "A", op: "eq", value: 1 }, { field: "B", op: "contains", value: "x" }], [{ field: "A", op: "eq", value: null }]],
    });
    expect(decodeURIComponent(q)).toBe("skip=0&take=10&orderbyfieldids=-Name,DbId&filterfieldids=A,B;A&filtervalues=1,x;&operatortypes=1,6;8");
    const ops = ["eq", "ge", "le", "gt", "lt", "contains", "ne", "empty", "notEmpty", "startsWith", "notContains", "notStartsWith", "endsWith", "notEndsWith"] as const;
    const all = buildQuery({ skip: 0, take: 1, orderBy: [], groups: [ops.map((op) => ({ field: "F", op, value: "v" }))] });
    expect(new URLSearchParams(all).get("operatortypes")).toBe("1,2,3,4,5,6,7,8,9,10,11,12,13,14");
  });

  it("switches to filterjson when a value holds a separator, and strips the Z from datetimes", () => {
    const q = new URLSearchParams(buildQuery({ skip: 0, take: 1, orderBy: [], groups: [[
      { field: "Name", op: "eq", value: "Jansen, J." }, { field: "ModifiedDate", op: "ge", value: "2025-03-01T10:00:00Z" }]] }));
    expect(q.has("filterfieldids")).toBe(false);
    expect(JSON.parse(q.get("filterjson")!)).toEqual({ Filters: { Filter: [{ "@FilterId": "Filter 1", Field: [
      { "@FieldId": "Name", "@OperatorType": 1, "#text": "Jansen, J." },
      { "@FieldId": "ModifiedDate", "@OperatorType": 2, "#text": "2025-03-01T10:00:00" }] }] } });
  });
});

describe("AFAS connector against the simulator", () => {
  let sim: RunningAfasSimulator;
  beforeAll(async () => { sim = await startAfasSimulator(); });
  afterAll(async () => { await sim.close(); });
  const connect = (options: Parameters<typeof createAfasConnector>[2] = {}) =>
    createAfasConnector("afas", { type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN }, options);

  it("signs in with OAuth client credentials (Profit's /oauth/token): one token for many calls, a fresh one after a 401, and the refusal of a wrong secret", async () => {
    sim.control.reset();
    const oauth = { type: "afas" as const, baseUrl: sim.baseUrl, clientId: SANDBOX_OAUTH_CLIENT.clientId, clientSecret: SANDBOX_OAUTH_CLIENT.clientSecret };
    let clock = Date.now();
    const connector = createAfasConnector("afas", oauth, { now: () => clock });
    const asked = sim.state.oauth.requests;
    const read = () => connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: "601826" }] });
    expect((await read()).rows).toHaveLength(1);
    expect((await read()).rows).toHaveLength(1);
    expect(sim.state.oauth.requests - asked).toBe(1);
    // A 401 with a token issued moments ago is about the call (Profit answers 401 for a connector the
    // App connector lacks too): the token is kept, and no sign-in follows.
    sim.control.revokeOAuthTokens();
    expect(await read().catch((e: unknown) => e)).toMatchObject({ code: "UPSTREAM_AUTH" });
    expect(sim.state.oauth.requests - asked).toBe(1);
    // Later, Profit dropping a token before its expiry brings one more sign-in, and the call goes through.
    clock += 60_000;
    expect((await read()).rows).toHaveLength(1);
    expect(sim.state.oauth.requests - asked).toBe(2);
    // Inserts sign in the same way.
    const sent = await connector.send({ connection: "afas", object: "FbStockMutation", op: "insert", idempotencyKey: "oauth-1",
      payload: { VaOt: "41", ReId: "1", VaIt: "2", ItCd: "601826", War: "01", Loc: "*****", BiUn: "STK", QuUn: 1, Qu: 1, Da: "2025-03-03", Ds: "OAuth" } });
    expect(sent.exchanges?.at(-1)).toMatchObject({ method: "POST", status: 201 });

    const wrong = createAfasConnector("afas", { ...oauth, clientSecret: "not-it" });
    const refused = await wrong.find({ connection: "afas", object: "Koppel_Items", where: [] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "UPSTREAM_AUTH", message: "token request refused: invalid_client: unknown client or wrong secret" });
  });

  it("takes a classic token or OAuth client credentials, not both and not neither", () => {
    const base = { type: "afas" as const, baseUrl: sim.baseUrl };
    expect(() => createAfasConnector("afas", { ...base, token: SANDBOX_TOKEN, clientId: "x", clientSecret: "y" })).toThrow(/give token \(a classic token\) or clientId and clientSecret \(OAuth\), not both/);
    expect(() => createAfasConnector("afas", base as never)).toThrow(/give token \(the App connector's token\) or clientId and clientSecret/);
    expect(() => createAfasConnector("afas", { ...base, clientId: "x" })).toThrow(/OAuth needs both clientId and clientSecret/);
  });

  it("reads an `eq` with a list as any of the values (one OR group each); an empty list asks nothing", async () => {
    sim.control.reset();
    const connector = connect();
    const found = await connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: ["601826", "200114", "NOPE", "601826"] }] });
    expect(found.rows.map((r) => r.ItemCode).sort()).toEqual(["200114", "601826"]);
    expect(found.exchanges?.at(-1)?.url).toContain("filterfieldids=ItemCode%3BItemCode%3BItemCode");
    const none = await connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: [] }] });
    expect(none.rows).toEqual([]);
    expect(none.exchanges?.some((x) => x.url.includes("/connectors/Koppel_Items?"))).toBe(false);
  });

  it("reads a list of values too long for one query in several reads, each within Profit's limit, and puts the rows in order", async () => {
    sim.control.reset();
    const codes = Array.from({ length: 150 }, (_, i) => `SKU-LONG-${String(i).padStart(4, "0")}`);
    for (const code of codes) {
      sim.state.data.items.set(code, {
        ItemCode: code, Description: code, Type: "2", Unit: "STK", SalesPrice: 1, VatGroup: "HOOG", Blocked: false, Barcode: null,
        CreateDate: "2025-01-01T00:00:00", ModifiedDate: "2025-01-01T00:00:00",
      });
    }
    const connector = connect();
    const asked = [...codes].reverse().concat(["NOT-THERE"]);
    const found = await connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: asked }], orderBy: [{ field: "ItemCode", desc: true }] });
    expect(found.rows.map((r) => r.ItemCode)).toEqual([...codes].reverse());
    const reads = found.exchanges!.filter((x) => x.url.includes("/connectors/Koppel_Items?"));
    expect(reads.length).toBeGreaterThan(1);
    for (const read of reads) expect(new URL(read.url).search.length).toBeLessThanOrEqual(MAX_QUERY_LENGTH);
    const first = await connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: asked }], orderBy: [{ field: "ItemCode" }], take: 2 });
    expect(first.rows.map((r) => r.ItemCode)).toEqual(codes.slice(0, 2));
    // One item asked for in two spellings that land in different reads is still one row.
    const twice = await connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: [codes[0]!, ...codes.slice(1).reverse(), codes[0]!.toLowerCase()] }] });
    expect(twice.rows.map((r) => r.ItemCode).filter((c) => c === codes[0])).toHaveLength(1);
  });

  it("polls without skipping or repeating rows that share a timestamp", async () => {
    sim.control.reset();
    const stamp = (ms: number) => `2025-05-01T12:00:00.${String(ms).padStart(3, "0")}`;
    // Fractions in reverse key order: Profit's sort by ModifiedDate and the key order disagree inside the second.
    for (let i = 0; i < 23; i++) {
      sim.state.data.stock.set(`P${i}`, { ItemCode: `P${String(i).padStart(2, "0")}`, Warehouse: "01", Quantity: i, ModifiedDate: stamp(900 - i * 10) });
    }
    const connector = connect({ pageSize: 4 });
    const expected = sim.control.records("Koppel_Stock")!.length;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await connector.poll!("afas.Koppel_Stock", cursor, 5);
      seen.push(...page.records.map((r) => `${r.ItemCode}/${r.Warehouse}`));
      cursor = page.cursor;
      pages++;
      if (!page.hasMore) break;
    }
    expect(pages).toBeGreaterThan(5);
    expect(seen).toHaveLength(expected);
    expect(new Set(seen).size).toBe(expected);
    // Nothing new: the same cursor gives an empty page and keeps its place.
    const again = await connector.poll!("Koppel_Stock", cursor, 5);
    expect(again).toEqual({ records: [], cursor, hasMore: false });
    // A later change comes through exactly once.
    sim.state.data.stock.get("P0")!.ModifiedDate = "2025-05-01T12:00:01.500";
    const next = await connector.poll!("Koppel_Stock", cursor, 5);
    expect(next.records.map((r) => r.ItemCode)).toEqual(["P00"]);
  });

  it("a poll without a cursor starts at a given moment (Profit's wall clock), from that very second, and hands out a cursor even when it found nothing", async () => {
    sim.control.reset();
    sim.state.data.stock.clear();
    const put = (code: string, at: string) => sim.state.data.stock.set(`${code}@01`, { ItemCode: code, Warehouse: "01", Quantity: 1, ModifiedDate: at });
    put("OLD", "2025-03-01T10:59:59.900");
    put("EDGE", "2025-03-01T11:00:00.000");
    put("NEW", "2025-03-01T11:30:00.000");
    const connector = connect({ pollLagMs: 0 });
    // 10:00Z is 11:00 in Amsterdam (winter time).
    const page = await connector.poll!("Koppel_Stock", null, 10, Date.parse("2025-03-01T10:00:00Z"));
    expect(page.records.map((r) => r.ItemCode)).toEqual(["EDGE", "NEW"]);
    const empty = await connector.poll!("Koppel_Stock", null, 10, Date.parse("2025-03-02T00:00:00Z"));
    expect(empty.records).toEqual([]);
    expect(empty.cursor).not.toBeNull();
    put("LATER", "2025-03-02T09:00:00.000");
    expect((await connector.poll!("Koppel_Stock", empty.cursor, 10)).records.map((r) => r.ItemCode)).toEqual(["LATER"]);
  });

  it("polls every row when earlier seconds fill a page exactly and the next second holds keys that sort before theirs", async () => {
    sim.control.reset();
    sim.state.data.stock.clear();
    // Three rows in three seconds fill a page of 3; the fourth second's keys sort before theirs, so a
    // cursor that took the last earlier row's key as its place inside that second skipped them.
    const rows: [string, string][] = [
      ["Z1", "2025-03-01T10:00:01.000"], ["Z2", "2025-03-01T10:00:02.000"], ["Z3", "2025-03-01T10:00:03.000"],
      ["A", "2025-03-01T10:00:04.100"], ["B", "2025-03-01T10:00:04.200"], ["Z9", "2025-03-01T10:00:04.300"],
    ];
    for (const [code, at] of rows) sim.state.data.stock.set(`${code}@01`, { ItemCode: code, Warehouse: "01", Quantity: 1, ModifiedDate: at });
    const connector = connect();
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let polls = 0; polls < 10; polls++) {
      const page = await connector.poll!("Koppel_Stock", cursor, 3);
      seen.push(...page.records.map((r) => String(r.ItemCode)));
      cursor = page.cursor;
      if (!page.hasMore && page.records.length === 0) break;
    }
    expect(seen).toEqual(["Z1", "Z2", "Z3", "A", "B", "Z9"]);
  });

  it("reads the rows changed in the hour the clocks go back, which carry wall-clock times the cursor had passed", async () => {
    sim.control.reset();
    sim.state.data.stock.clear();
    const put = (code: string, instant: string) =>
      sim.state.data.stock.set(`${code}@01`, { ItemCode: code, Warehouse: "01", Quantity: 1, ModifiedDate: `${profitLocalTime(Date.parse(instant))}.000` });
    let now = Date.parse("2025-10-26T00:59:50Z"); // 02:59:50 summer time, just before the clocks go back
    const connector = connect({ pollLagMs: 0, now: () => now });
    put("FIRST", "2025-10-26T00:30:00Z"); // 02:30:00 summer time
    const seen: string[] = [];
    let cursor: string | null = null;
    const poll = async () => {
      for (;;) {
        const page = await connector.poll!("Koppel_Stock", cursor, 100);
        seen.push(...page.records.map((r) => String(r.ItemCode)));
        cursor = page.cursor;
        if (!page.hasMore) return;
      }
    };
    await poll();
    expect(seen).toEqual(["FIRST"]);
    put("REPEAT", "2025-10-26T01:10:00Z"); // 02:10:00 winter time: before the cursor's 02:30 on the wall clock
    now = Date.parse("2025-10-26T01:20:00Z");
    await poll();
    put("LATER", "2025-10-26T02:30:00Z"); // 03:30 winter time
    now = Date.parse("2025-10-26T03:00:00Z");
    await poll();
    // FIRST comes again from the re-read hour; the inbox takes it as a duplicate (same ModifiedDate).
    expect(seen).toEqual(["FIRST", "REPEAT", "FIRST", "LATER"]);
    // The cursor went back once: later polls move on.
    now = Date.parse("2025-10-27T12:00:00Z");
    await poll();
    expect(seen).toHaveLength(4);
  });

  it("leaves rows of the last seconds for a later poll", async () => {
    sim.control.reset();
    const now = Date.now();
    const connector = connect({ pollLagMs: 60_000, now: () => now });
    const created = await connector.send({ connection: "afas", object: "FbSales", op: "insert", idempotencyKey: "k", payload: { DbId: "20045" } });
    const all = async (c: typeof connector) => {
      const out: unknown[] = [];
      let cursor: string | null = null;
      for (;;) {
        const p = await c.poll!("Koppel_SalesOrders", cursor, 50);
        out.push(...p.records.map((r) => r.OrderNumber));
        cursor = p.cursor;
        if (!p.hasMore) return out;
      }
    };
    expect(await all(connector)).not.toContain(created.result.OrNu);
    expect(await all(connect({ pollLagMs: 60_000, now: () => now + 120_000 }))).toContain(created.result.OrNu);
    // The lag can also come from the connection in mapping.config.yaml.
    const fromConfig = createAfasConnector("afas", { type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN, pollLagMs: 0 }, { now: () => now + 5_000 });
    expect(await all(fromConfig)).toContain(created.result.OrNu);
  });

  it("awaits the runner's intent mark inside its slot before an insert only, and sends nothing when the mark fails", async () => {
    sim.control.reset();
    const connector = createAfasConnector("afas", { type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN, maxParallel: 1 });
    const orders = () => sim.control.inspect().updateConnectors.FbSales ?? 0;
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const insert = connector.send({ connection: "afas", object: "FbSales", op: "insert", idempotencyKey: "k", payload: { DbId: "20045" } }, {
      beforeCreate: async () => {
        events.push("mark");
        await held;
      },
    });
    // The one slot is taken while the mark is written: a read waits behind it.
    const read = connector.find({ connection: "afas", object: "Koppel_SalesOrders", where: [], take: 1 }).then(() => events.push("read"));
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(["mark"]);
    expect(orders()).toBe(0);
    release();
    await insert;
    await read;
    expect(events).toEqual(["mark", "read"]);
    expect(orders()).toBe(1);

    const failed = connector.send({ connection: "afas", object: "FbSales", op: "insert", idempotencyKey: "k2", payload: { DbId: "20045" } }, {
      beforeCreate: () => Promise.reject(new Error("store is gone")),
    });
    await expect(failed).rejects.toThrow("store is gone");
    expect(orders()).toBe(1);

    const inserted = await connector.send({ connection: "afas", object: "KnSalesRelationPer", op: "insert", idempotencyKey: "p",
      payload: { CuId: "EUR", KnPerson: { MatchPer: "7", FiNm: "Eva", LaNm: "Smit", EmA2: "eva@example.nl" } } });
    let marks = 0;
    const hooks = { beforeCreate: async () => void marks++ };
    // An update, and an upsert that carries its key, may go out twice safely: no mark.
    await connector.send({ connection: "afas", object: "KnSalesRelationPer", op: "update", idempotencyKey: "u", payload: { DbId: inserted.result.DbId, CuId: "EUR" } }, hooks);
    await connector.send({ connection: "afas", object: "KnSalesRelationPer", op: "upsert", idempotencyKey: "v", payload: { DbId: inserted.result.DbId, CuId: "EUR" } }, hooks);
    expect(marks).toBe(0);
    // What the worker is told up front: only an insert is sure to wait for the mark (an upsert may
    // turn out an update), so only there does the mark stand in for the ledger lookup.
    const ops = ["insert", "update", "upsert", "delete"] as const;
    expect(ops.map((op) => connector.marksBeforeSending?.({ connection: "afas", object: "FbSales", op, idempotencyKey: "x", payload: {} }))).toEqual([true, false, false, false]);
  });

  it("upserts as PUT when the key is present and as POST otherwise, returning the keys", async () => {
    sim.control.reset();
    const connector = connect();
    const inserted = await connector.send({ connection: "afas", object: "KnSalesRelationPer", op: "upsert", idempotencyKey: "a",
      payload: { CuId: "EUR", KnPerson: { MatchPer: "7", FiNm: "Eva", LaNm: "Smit", EmA2: "eva@example.nl" } } });
    expect(inserted.exchanges?.map((e) => [e.method, e.status])).toEqual([["POST", 201]]);
    expect(inserted.result).toEqual({ DbId: "30001", BcCo: "1000701" });
    const updated = await connector.send({ connection: "afas", object: "KnSalesRelationPer", op: "upsert", idempotencyKey: "b",
      payload: { DbId: "30001", PaCd: "30" } });
    expect(updated.exchanges?.map((e) => [e.method, e.status])).toEqual([["PUT", 200]]);
    expect(updated.result).toEqual({ DbId: "30001" });
    const exchange = updated.exchanges![0]!;
    expect(exchange.requestBody).toEqual({ KnSalesRelationPer: { Element: { Fields: { DbId: "30001", PaCd: "30" } } } });
    expect(typeof exchange.ms).toBe("number");
  });

  it("honours take as an upper bound and the request order with the key as tiebreaker", async () => {
    sim.control.reset();
    const connector = connect({ pageSize: 3 });
    const found = await connector.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "Type", op: "eq", value: "2" }],
      orderBy: [{ field: "VatGroup", desc: true }], take: 8 });
    expect(found.rows).toHaveLength(8);
    expect(found.exchanges).toHaveLength(3);
    expect(new URL(found.exchanges![0]!.url).searchParams.get("orderbyfieldids")).toBe("-VatGroup,ItemCode");
  });
});
