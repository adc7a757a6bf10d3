import { describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../../engine/config/load.ts";
import { UpstreamError } from "../../../common/errors.ts";
import { executeFlow } from "../../../engine/flow/execute.ts";
import type { ConnectorPort, FindRequest, SendRequest } from "../../../engine/flow/port.ts";
import { BASE_CONFIG, BASE_ENV, memoryHost } from "../memory-host.ts";
import { positionOf } from "../positions.ts";

function project(flows: Record<string, string>): Project {
  const { project, errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, ...flows }, BASE_ENV));
  expect(errors.map((e) => e.format())).toEqual([]);
  return project as Project;
}

/** Records every request and answers finds from a table keyed by object. */
function recordingPort(rows: Record<string, Record<string, unknown>[]> = {}, results: Record<string, Record<string, unknown>> = {}) {
  const finds: FindRequest[] = [];
  const sends: SendRequest[] = [];
  const port: ConnectorPort = {
    async find(req) {
      finds.push(req);
      return { rows: rows[req.object] ?? [] };
    },
    async send(req) {
      sends.push(req);
      return { result: results[req.object] ?? {} };
    },
  };
  return { port, finds, sends };
}

function run(p: Project, name: string, event: unknown, port: ConnectorPort, settings: Record<string, unknown> = {}) {
  return executeFlow(p.flows.get(name)!, event, {
    settings: { ...(p.config.settings ?? {}), ...settings },
    maps: p.config.maps ?? {},
    timezone: "Europe/Amsterdam",
    now: () => 0,
    port,
    flows: p.flows,
    eventId: "evt-1",
  });
}

const ORDER_FLOW = `flow: order
steps:
  - id: existing
    find: afas.Koppel_SalesOrders
    where: { ExternalNumber: number, OrderDate: { ge: "'2025-01-01'" } }
  - skip: $count($steps.existing) > 0
    reason: "'duplicate ' & number"
  - id: debtor
    call: debtor
    with: customer
  - id: sale
    send: afas.FbSales
    fields:
      DbId: $steps.debtor.DbId
      Unit: $settings.administrationId
      RfCs: number
    objects:
      FbSalesLines:
        each: lines
        when: quantity > 0
        fields: { VaIt: "'2'", ItCd: sku, BiUn: "'STK'", QuUn: quantity, Re: "$input.number & '/' & $string($index)" }
`;
const DEBTOR_FLOW = `flow: debtor
steps:
  - id: lookup
    find: afas.Koppel_Debtors
    where: { Email: email }
    one: true
output: "{ 'DbId': $steps.lookup.DbId }"
`;
const order = { number: "W7", customer: { email: "a@b.nl" }, lines: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 0 }, { sku: "C", quantity: 1 }] };

describe("executing a flow", () => {
  it("runs find, call, send with nested each/when and returns effects, trace and idempotency keys", async () => {
    const p = project({ "flows/order.flow.yaml": ORDER_FLOW, "flows/debtor.flow.yaml": DEBTOR_FLOW });
    const { port, finds, sends } = recordingPort({ Koppel_Debtors: [{ DbId: "D42" }] }, { FbSales: { OrNu: "O1" } });
    const result = await run(p, "order", order, port);
    expect(result.outcome).toBe("done");
    expect(finds.map((f) => [f.step, f.object, f.where])).toEqual([
      ["existing", "Koppel_SalesOrders", [{ field: "ExternalNumber", op: "eq", value: "W7" }, { field: "OrderDate", op: "ge", value: "2025-01-01" }]],
      ["debtor.lookup", "Koppel_Debtors", [{ field: "Email", op: "eq", value: "a@b.nl" }]],
    ]);
    expect(sends).toEqual([
      {
        step: "sale",
        connection: "afas",
        object: "FbSales",
        op: "insert",
        idempotencyKey: "evt-1:order:sale",
        payload: {
          DbId: "D42",
          Unit: 1,
          RfCs: "W7",
          FbSalesLines: [
            { VaIt: "2", ItCd: "A", BiUn: "STK", QuUn: 2, Re: "W7/0" },
            { VaIt: "2", ItCd: "C", BiUn: "STK", QuUn: 1, Re: "W7/2" },
          ],
        },
      },
    ]);
    expect(result.effects.map((e) => e.step)).toEqual(["sale"]);
    expect(result.trace.map((t) => `${t.step}:${t.status}`)).toEqual(["existing:ok", "step2:ok", "debtor.lookup:ok", "debtor:ok", "sale:ok"]);
  });

  it("fails a find whose filter value is missing from the event (FIND_NO_VALUE at the value) instead of asking for empty; null still asks for empty", async () => {
    const p = project({ "flows/order.flow.yaml": ORDER_FLOW, "flows/debtor.flow.yaml": DEBTOR_FLOW });
    const { port, finds, sends } = recordingPort();
    const { number: _none, ...withoutNumber } = order;
    const result = await run(p, "order", withoutNumber, port);
    expect(result.outcome).toBe("failed");
    expect(result.error?.format()).toBe(
      "flows/order.flow.yaml:5:30 FIND_NO_VALUE find existing: where ExternalNumber (eq) evaluated to nothing for this event; give it a value, or write null to look for an empty ExternalNumber",
    );
    expect(finds).toEqual([]);
    expect(sends).toEqual([]);

    const explicit = await run(p, "order", { ...order, number: null }, recordingPort().port);
    expect(explicit.trace[0]).toMatchObject({ step: "existing", status: "ok", request: { where: [{ field: "ExternalNumber", op: "eq", value: null }, expect.anything()] } });
  });

  it("skip ends the run as skipped with its reason and sends nothing", async () => {
    const p = project({ "flows/order.flow.yaml": ORDER_FLOW, "flows/debtor.flow.yaml": DEBTOR_FLOW });
    const { port, sends } = recordingPort({ Koppel_SalesOrders: [{ OrderNumber: "1" }] });
    const result = await run(p, "order", order, port);
    expect(result).toMatchObject({ outcome: "skipped", reason: "duplicate W7" });
    expect(sends).toEqual([]);
  });

  it("with checkFilter, the webhook filter decides first: false skips, an error fails with its position, true runs", async () => {
    const flow = `flow: stock
trigger:
  webhook: { source: aspos, filter: "$number(data.number) > 0" }
steps:
  - id: n
    set: { n: data.number }
`;
    const p = project({ "flows/stock.flow.yaml": flow });
    const filtered = (number: string) =>
      executeFlow(p.flows.get("stock")!, { data: { number } }, { settings: {}, maps: {}, timezone: "Europe/Amsterdam", now: () => 0, port: recordingPort().port, flows: p.flows, eventId: "e" }, { checkFilter: true });
    expect(await filtered("-1")).toMatchObject({ outcome: "skipped", reason: "the event does not pass the flow's webhook filter", trace: [] });
    const broken = await filtered("ABC");
    expect(broken).toMatchObject({ outcome: "failed", error: { code: "EXPR_RUNTIME", position: { file: "flows/stock.flow.yaml", line: 3 } } });
    expect((await filtered("7")).outcome).toBe("done");
    // Without it (fixture cases, backtests) the flow runs whatever the filter says.
    expect(await run(p, "stock", { data: { number: "-1" } }, recordingPort().port)).toMatchObject({ outcome: "done", trace: [{ step: "n", status: "ok" }] });
  });

  it("a payload missing a mandatory field fails before it leaves, naming the field and the YAML line", async () => {
    const p = project({ "flows/order.flow.yaml": ORDER_FLOW, "flows/debtor.flow.yaml": DEBTOR_FLOW });
    const { port, sends } = recordingPort({ Koppel_Debtors: [] });
    const result = await run(p, "order", order, port);
    expect(result.outcome).toBe("failed");
    expect(sends).toEqual([]);
    const at = positionOf(ORDER_FLOW, "$steps.debtor.DbId");
    expect(result.error?.format()).toBe(
      `flows/order.flow.yaml:${at} PAYLOAD_INVALID afas.FbSales payload is not valid: mandatory field DbId is missing: its expression at flows/order.flow.yaml:${at} gave nothing`,
    );
  });

  it("a nested mandatory field points at the nested mapping", async () => {
    const flow = `flow: lines
steps:
  - send: afas.FbSales
    fields: { DbId: "'1'" }
    objects:
      FbSalesLines:
        each: lines
        fields: { VaIt: "'2'", ItCd: sku, BiUn: "'STK'", QuUn: qty }
`;
    const p = project({ "flows/lines.flow.yaml": flow });
    const result = await run(p, "lines", { lines: [{ sku: "A" }] }, recordingPort().port);
    expect(result.error?.message).toContain(`mandatory field FbSalesLines.QuUn is missing: its expression at flows/lines.flow.yaml:${positionOf(flow, "qty")} gave nothing`);
  });

  it("fail stops the run with FLOW_FAILED and the reason; each steps see $item and earlier item results", async () => {
    const flow = `flow: check
steps:
  - id: rows
    each: lines
    steps:
      - id: item
        find: afas.Koppel_Items
        where: { ItemCode: sku }
        one: true
      - skip: $not($steps.item)
        reason: "'unknown'"
      - id: price
        set: { code: $steps.item.ItemCode, at: $index }
  - fail: $count($steps.rows[$not($exists(price))]) > 0
    reason: "'some items are unknown'"
`;
    const p = project({ "flows/check.flow.yaml": flow });
    const port: ConnectorPort = {
      async find(req) {
        const sku = req.where[0]?.value;
        return { rows: sku === "A" ? [{ ItemCode: "A" }] : [] };
      },
      async send() {
        return { result: {} };
      },
    };
    const result = await run(p, "check", { lines: [{ sku: "A" }, { sku: "Z" }] }, port);
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("FLOW_FAILED");
    const rows = result.trace.filter((t) => t.step.startsWith("rows."));
    expect(rows.map((t) => `${t.step}:${t.status}`)).toEqual(["rows.item:ok", "rows.step2:ok", "rows.price:ok", "rows.item:ok", "rows.step2:skipped"]);
  });

  it("an upstream rejection fails the run and keeps the upstream details and the failing exchange", async () => {
    const p = project({ "flows/debtor.flow.yaml": DEBTOR_FLOW });
    const exchange = { method: "GET", url: "http://afas/connectors/Koppel_Debtors", status: 500, responseBody: { externalMessage: "Veld 'Email' is onbekend" } };
    const port: ConnectorPort = {
      async find() {
        throw new UpstreamError("UPSTREAM_REJECTED", "AFAS rejected the request", {
          connection: "afas",
          status: 500,
          upstreamMessage: "Veld 'Email' is onbekend",
          errorNumber: -2147220469,
          reference: "B8213AF1C3C54E579686406A8DE71C6C",
          exchanges: [exchange],
        });
      },
      async send() {
        return { result: {} };
      },
    };
    const result = await run(p, "debtor", { email: "x" }, port);
    expect(result.outcome).toBe("failed");
    expect(result.error?.toJSON()).toMatchObject({ code: "UPSTREAM_REJECTED", upstreamMessage: "Veld 'Email' is onbekend", reference: "B8213AF1C3C54E579686406A8DE71C6C" });
    // The failing call's exchange is in the step's trace entry, once: not again inside its error.
    expect(result.trace.at(-1)).toMatchObject({ step: "lookup", status: "failed", exchanges: [exchange] });
    expect(result.trace.at(-1)?.error).not.toHaveProperty("exchanges");
  });

  it("input that does not match the input schema fails as INPUT_INVALID before any step", async () => {
    const flow = `flow: typed
input: { schema: ../schemas/thing.schema.json }
steps:
  - find: afas.Koppel_Items
`;
    const schema = JSON.stringify({ type: "object", required: ["number"], properties: { number: { type: "string" } } });
    const p = project({ "flows/typed.flow.yaml": flow, "schemas/thing.schema.json": schema });
    const { port, finds } = recordingPort();
    const result = await run(p, "typed", { number: 5 }, port);
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("INPUT_INVALID");
    expect(result.error?.message).toContain("/number must be string");
    expect(finds).toEqual([]);
  });

  it("when: false leaves a step out and later steps see no result", async () => {
    const flow = `flow: cond
steps:
  - id: a
    when: $settings.administrationId = 7
    set: { x: 1 }
  - id: b
    set: { seen: "$exists($steps.a)" }
output: $steps.b.seen
`;
    const p = project({ "flows/cond.flow.yaml": flow });
    const result = await run(p, "cond", {}, recordingPort().port, { administrationId: 1 });
    expect(result.output).toBe(false);
    expect(result.trace[0]).toMatchObject({ step: "a", status: "not-run" });
  });

  it("an update needs only the key; the insert's mandatory fields do not apply", async () => {
    const flow = `flow: upd
steps:
  - id: a
    send: afas.FbSales
    op: update
    fields: { OrNu: number, Re: "'changed'" }
  - id: b
    send: afas.FbSales
    op: update
    fields: { OrNu: otherNumber, Re: "'no key'" }
`;
    const p = project({ "flows/upd.flow.yaml": flow });
    const { port, sends } = recordingPort();
    const result = await run(p, "upd", { number: "2025-1" }, port);
    expect(sends.map((x) => x.payload)).toEqual([{ OrNu: "2025-1", Re: "changed" }]);
    expect(result.error?.format()).toContain("mandatory field OrNu is missing: its expression at flows/upd.flow.yaml:");
  });
});

describe("a create whose answer was lost (onLostAnswer)", () => {
  const flow = (extra: string) => `flow: order
steps:
  - id: existing
    find: afas.Koppel_SalesOrders
    where: { ExternalNumber: number }
  - skip: $count($steps.existing) > 0
    reason: "'already there'"
  - id: sale
    send: afas.FbSales
    fields: { DbId: "'10000'", Unit: 1, RfCs: number }
${extra}`;
  const lostPort = (): ConnectorPort => ({
    async find() {
      return { rows: [] };
    },
    async send() {
      throw new UpstreamError("UPSTREAM_UNCERTAIN", "AFAS may have carried out insert FbSales: …", { connection: "afas", upstreamMessage: "socket hang up" });
    },
  });

  it("stays UPSTREAM_UNCERTAIN, not retried, without the key", async () => {
    const result = await run(project({ "flows/order.flow.yaml": flow("") }), "order", { number: "W9" }, lostPort());
    expect(result.error).toMatchObject({ code: "UPSTREAM_UNCERTAIN", retryable: false });
  });

  it("is tried again after the wait when a find before it looks the record up", async () => {
    const result = await run(project({ "flows/order.flow.yaml": flow("    onLostAnswer: { checkedBy: existing, retryAfter: 15m }\n") }), "order", { number: "W9" }, lostPort());
    expect(result.error).toBeInstanceOf(UpstreamError);
    expect(result.error).toMatchObject({ code: "UPSTREAM_UNCERTAIN_RETRY", retryable: true, details: { connection: "afas", retryAfterMs: 15 * 60_000, upstreamMessage: "socket hang up" } });
    expect(result.error!.message).toMatch(/^insert FbSales on afas may have been carried out: the connection failed before the answer \(socket hang up\)\. .*after 15 min, and find existing sees the record/);
    expect(result.trace.find((t) => t.step === "sale")).toMatchObject({ status: "failed", error: { code: "UPSTREAM_UNCERTAIN_RETRY" } });
    // The default wait.
    const byDefault = await run(project({ "flows/order.flow.yaml": flow("    onLostAnswer: { checkedBy: existing }\n") }), "order", { number: "W9" }, lostPort());
    expect(byDefault.error).toMatchObject({ details: { retryAfterMs: 20 * 60_000 } });
  });

  it("leaves other refusals as they are", async () => {
    const port: ConnectorPort = { ...lostPort(), async send() { throw new UpstreamError("UPSTREAM_REJECTED", "Periode is afgesloten", { connection: "afas" }); } };
    const result = await run(project({ "flows/order.flow.yaml": flow("    onLostAnswer: { checkedBy: existing }\n") }), "order", { number: "W9" }, port);
    expect(result.error).toMatchObject({ code: "UPSTREAM_REJECTED" });
  });

  it("must name a find before the send on the connection it writes to", () => {
    const errors = (extra: string, before = "") => {
      const text = flow(extra).replace("steps:\n", `steps:\n${before}`);
      return loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/order.flow.yaml": text }, BASE_ENV)).errors.map((e) => e.format());
    };
    const later = `${flow("    onLostAnswer: { checkedBy: after }\n")}  - id: after\n    find: afas.Koppel_SalesOrders\n    where: { ExternalNumber: number }\n`;
    const laterErrors = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/order.flow.yaml": later }, BASE_ENV)).errors.map((e) => e.format());
    expect(laterErrors).toEqual([`flows/order.flow.yaml:${positionOf(later, "after }")} UNKNOWN_STEP onLostAnswer.checkedBy "after" names no find step before this send (earlier finds: existing)`]);
    const notFind = errors("    onLostAnswer: { checkedBy: calc }\n", "  - id: calc\n    set: { a: 1 }\n");
    expect(notFind).toEqual([expect.stringMatching(/UNKNOWN_STEP onLostAnswer\.checkedBy "calc" names no find step before this send \(earlier finds: existing\)$/)]);
    const otherSystem = errors("    onLostAnswer: { checkedBy: pos }\n", "  - id: pos\n    find: aspos.orders\n    where: { number: number }\n");
    expect(otherSystem).toEqual([expect.stringMatching(/INVALID_VALUE onLostAnswer\.checkedBy "pos" reads aspos\.orders, but this send writes to afas: only a find on afas can see/)]);
    expect(errors("    onLostAnswer: { checkedBy: existing, retryAfter: 30s }\n")).toEqual([expect.stringMatching(/retryAfter/)]);
    // A find that no condition reads holds nothing back: the send would go out again.
    const other = "  - id: other\n    find: afas.Koppel_SalesOrders\n    where: { OrderNumber: number }\n";
    expect(errors("    onLostAnswer: { checkedBy: other }\n", other)).toEqual([
      expect.stringMatching(/INVALID_VALUE onLostAnswer\.checkedBy "other": no when, skip or fail before this send reads \$steps\.other, so the send would go out again/),
    ]);
    // The send's own when counts.
    expect(errors("    when: $count($steps.other) = 0\n    onLostAnswer: { checkedBy: other }\n", other)).toEqual([]);
  });
});

describe("a send made once per business key (once)", () => {
  const flow = (once: string) => `flow: invoice
steps:
  - id: invoice
    send: afas.FbSales
    ${once}
    fields: { DbId: "'10000'", Unit: 1, RfCs: "'web'" }
`;

  it("is keyed by the flow, the step and the value, not by the event, so every event of one order shares the key", async () => {
    const p = project({ "flows/invoice.flow.yaml": flow("once: number") });
    const { port, sends } = recordingPort();
    await run(p, "invoice", { number: "W9" }, port);
    await executeFlow(p.flows.get("invoice")!, { number: "W9", status: "Shipped" }, { settings: {}, maps: {}, timezone: "Europe/Amsterdam", now: () => 0, port, flows: p.flows, eventId: "evt-2" });
    expect(sends.map((s) => s.idempotencyKey)).toEqual(["once:invoice:invoice:W9", "once:invoice:invoice:W9"]);
    // Without it, each event has its own key.
    const plain = project({ "flows/invoice.flow.yaml": flow("") });
    const other = recordingPort();
    await run(plain, "invoice", { number: "W9" }, other.port);
    expect(other.sends[0]!.idempotencyKey).toBe("evt-1:invoice:invoice");
  });

  it("fails the run with ONCE_KEY, before sending twice under one key, when items of an each share it", async () => {
    const text = `flow: lines
steps:
  - id: lines
    each: lines
    steps:
      - id: line
        send: afas.FbSales
        once: $input.number
        fields: { DbId: "'10000'", Unit: 1, RfCs: sku }
`;
    const { port, sends } = recordingPort();
    const result = await run(project({ "flows/lines.flow.yaml": text }), "lines", { number: "W9", lines: [{ sku: "A" }, { sku: "B" }] }, port);
    expect(result.error).toMatchObject({ code: "ONCE_KEY" });
    expect(result.error!.message).toMatch(/once gave "W9" for two sends in this run; inside each, make it tell the items apart/);
    expect(sends).toHaveLength(1);
    const distinct = recordingPort();
    const fixed = text.replace("once: $input.number", "once: \"$input.number & '/' & sku\"");
    expect((await run(project({ "flows/lines.flow.yaml": fixed }), "lines", { number: "W9", lines: [{ sku: "A" }, { sku: "B" }] }, distinct.port)).outcome).toBe("done");
    expect(distinct.sends.map((s) => s.idempotencyKey)).toEqual(["once:lines:lines.line:W9/A", "once:lines:lines.line:W9/B"]);
  });

  it("fails the run with ONCE_KEY, before sending, when the key is empty", async () => {
    const p = project({ "flows/invoice.flow.yaml": flow("once: number") });
    for (const event of [{}, { number: "" }, { number: ["W1", "W2"] }]) {
      const { port, sends } = recordingPort();
      const result = await run(p, "invoice", event, port);
      expect(result.error).toMatchObject({ code: "ONCE_KEY" });
      expect(result.error!.format()).toMatch(/^flows\/invoice\.flow\.yaml:5:11 ONCE_KEY send invoice: once evaluated to /);
      expect(sends).toEqual([]);
    }
  });
});

describe("the items of an each told apart by a key", () => {
  const flow = (key: string) => `flow: lines
steps:
  - id: lines
    each: lines
${key}
    steps:
      - id: line
        send: afas.FbSales
        fields: { DbId: "'10000'", Unit: 1, RfCs: sku }
`;

  it("keys each item's sends by its key value, so the same item keeps its key wherever it stands in the list; by position without one", async () => {
    const keyed = project({ "flows/lines.flow.yaml": flow("    key: sku") });
    const { port, sends } = recordingPort();
    await run(keyed, "lines", { lines: [{ sku: "A" }, { sku: "B" }] }, port);
    await run(keyed, "lines", { lines: [{ sku: "B" }] }, port);
    expect(sends.map((s) => s.idempotencyKey)).toEqual(["evt-1:lines:lines.line[=A]", "evt-1:lines:lines.line[=B]", "evt-1:lines:lines.line[=B]"]);
    const plain = recordingPort();
    await run(project({ "flows/lines.flow.yaml": flow("") }), "lines", { lines: [{ sku: "B" }] }, plain.port);
    expect(plain.sends.map((s) => s.idempotencyKey)).toEqual(["evt-1:lines:lines.line[0]"]);
  });

  it("fails the run with EACH_KEY at the item whose key is empty, not a text or number, or an earlier item's", async () => {
    const text = flow("    key: sku");
    const keyed = project({ "flows/lines.flow.yaml": text });
    const cases: [unknown[], RegExp][] = [
      [[{ sku: "A" }, {}], /each item 1: key evaluated to nothing; it must give the item's own text or number$/],
      [[{ sku: "" }], /each item 0: key evaluated to an empty string/],
      [[{ sku: ["A"] }], /each item 0: key evaluated to a list or object/],
      [[{ sku: "A" }, { sku: "B" }, { sku: "A" }], /each item 2: key "A" is the same as an earlier item's; make it tell the items apart$/],
    ];
    for (const [lines, message] of cases) {
      const { port, sends } = recordingPort();
      const result = await run(keyed, "lines", { lines }, port);
      expect(result.error).toMatchObject({ code: "EACH_KEY" });
      expect(result.error!.format()).toMatch(new RegExp(`^flows/lines\\.flow\\.yaml:${positionOf(text, "sku\n")} EACH_KEY `));
      expect(result.error!.message).toMatch(message);
      // Items before the bad one were sent; the bad one and those after it were not.
      expect(sends.map((s) => s.payload.RfCs)).toEqual(lines.slice(0, lines.length - 1).map((l) => (l as { sku: string }).sku));
    }
  });
});

describe("text longer than the target field allows (truncate)", () => {
  const flow = (truncate: string) => `flow: order
steps:
  - id: sale
    send: afas.FbSales
${truncate}
    fields: { DbId: "'10000'", Unit: 1, RfCs: reference }
    objects:
      FbSalesLines:
        each: lines
        fields: { VaIt: "'2'", ItCd: sku, BiUn: "'STK'", QuUn: 1, Ds: description }
`;
  const long = { reference: "r".repeat(120), lines: [{ sku: "A", description: `${"é".repeat(254)}😀xyz` }, { sku: "B", description: "short" }] };

  it("fails the run with PAYLOAD_INVALID without it, quoting the text whole (the runner masks, then cuts)", async () => {
    const result = await run(project({ "flows/order.flow.yaml": flow("") }), "order", long, recordingPort().port);
    expect(result.error).toMatchObject({ code: "PAYLOAD_INVALID" });
    expect(result.error?.message).toContain(`RfCs must NOT have more than 100 characters (got "${"r".repeat(120)}", mapped at`);
  });

  it("cuts the listed fields to their length in characters, at any depth, and leaves the rest", async () => {
    const { port, sends } = recordingPort();
    const result = await run(project({ "flows/order.flow.yaml": flow("    truncate: [RfCs, Ds]") }), "order", long, port);
    expect(result.outcome).toBe("done");
    const payload = sends[0]!.payload as { RfCs: string; FbSalesLines: { Ds: string }[] };
    expect(payload.RfCs).toBe("r".repeat(100));
    // 255 characters: the emoji is one, though two UTF-16 units.
    expect(payload.FbSalesLines.map((l) => Array.from(l.Ds).length)).toEqual([255, 5]);
    expect(payload.FbSalesLines[0]!.Ds.endsWith("😀")).toBe(true);
    // Only the listed fields: a too-long reference fails when RfCs is not listed.
    const narrow = await run(project({ "flows/order.flow.yaml": flow("    truncate: [Ds]") }), "order", long, recordingPort().port);
    expect(narrow.error).toMatchObject({ code: "PAYLOAD_INVALID" });
  });

  it("refuses a field the target has no length limit for, naming the nearest", () => {
    const text = flow("    truncate: [RfCS]");
    const { errors } = loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/order.flow.yaml": text }, BASE_ENV));
    expect(errors.map((e) => e.format())).toEqual([`flows/order.flow.yaml:${positionOf(text, "RfCS")} UNKNOWN_FIELD truncate names RfCS, which is no text field with a length limit in afas.FbSales; did you mean RfCs?`]);
  });
});

describe("emptying a field in the target (clear)", () => {
  const asposFlow = (clear: string, op = "update") => `flow: customer
steps:
  - id: updated
    send: aspos.customers
    op: ${op}
    fields:
      id: id
      phoneNumber: phone
      vatNumber: vat
      companyName: company
${clear}
`;
  const afasFlow = `flow: debtor
steps:
  - send: afas.KnSalesRelationPer
    op: update
    fields: { DbId: debtor, Rm: remark }
    clear: [Rm]
    objects:
      KnPerson:
        fields: { MatchPer: "'0'", BcCo: person, Is: prefix, FiNm: first }
        clear: [Is, FiNm]
`;

  it("sends a listed field without a value as null where the target admits null, and leaves unlisted ones out", async () => {
    const { port, sends } = recordingPort();
    const p = project({ "flows/customer.flow.yaml": asposFlow("    clear: [phoneNumber, vatNumber]") });
    const result = await run(p, "customer", { id: 7, vat: "NL1", company: null }, port);
    expect(result.outcome).toBe("done");
    // vatNumber has a value and keeps it; companyName is not listed and stays out.
    expect(sends[0]!.payload).toEqual({ id: 7, phoneNumber: null, vatNumber: "NL1" });
  });

  it("a value merge gives for a cleared field takes its place; without one the field is emptied", async () => {
    const { port, sends } = recordingPort();
    const p = project({ "flows/customer.flow.yaml": asposFlow(`    clear: [phoneNumber]\n    merge: "altPhone ? { 'phoneNumber': altPhone }"`) });
    await run(p, "customer", { id: 7, altPhone: "+31 6 1" }, port);
    await run(p, "customer", { id: 8 }, port);
    expect(sends.map((s) => s.payload)).toEqual([{ id: 7, phoneNumber: "+31 6 1" }, { id: 8, phoneNumber: null }]);
  });

  it("sends an empty text where the target takes no null (AFAS), nested objects included", async () => {
    const { port, sends } = recordingPort();
    const result = await run(project({ "flows/debtor.flow.yaml": afasFlow }), "debtor", { debtor: "20045", person: "P1", first: "Jan" }, port);
    expect(result.outcome).toBe("done");
    expect(sends[0]!.payload).toEqual({ DbId: "20045", Rm: "", KnPerson: { MatchPer: "0", BcCo: "P1", Is: "", FiNm: "Jan" } });
  });

  it("is refused at load on an insert, for a field not under fields, and for a field the target cannot empty", () => {
    const load = (text: string) =>
      loadProject("/project/mapping.config.yaml", memoryHost({ "mapping.config.yaml": BASE_CONFIG, "flows/customer.flow.yaml": text }, BASE_ENV)).errors.map((e) => e.format());
    const insert = asposFlow("    clear: [phoneNumber]", "insert");
    expect(load(insert)).toEqual([
      `flows/customer.flow.yaml:${positionOf(insert, "[phoneNumber]")} INVALID_VALUE clear empties fields of a record that exists, but this send has op: insert (clear is for update or upsert)`,
    ]);
    const unmapped = asposFlow("    clear: [phoneNumbr]");
    expect(load(unmapped)).toEqual([
      `flows/customer.flow.yaml:${positionOf(unmapped, "phoneNumbr")} UNKNOWN_FIELD clear names phoneNumbr, which is not under fields here; did you mean phoneNumber?`,
    ]);
    // The id is a number: it has no empty value.
    const key = asposFlow("    clear: [id]");
    expect(load(key)).toEqual([
      `flows/customer.flow.yaml:${positionOf(key, "id]")} INVALID_VALUE clear names id, but its target schema admits neither null nor an empty text, so Koppel cannot tell how the target empties it`,
    ]);
  });
});
