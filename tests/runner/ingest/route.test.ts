import { describe, expect, it } from "vitest";
import { toNewEvent } from "../../../runner/ingest/accept.ts";
import { eventTypeOf, routeEvent, searchTextOf } from "../../../runner/ingest/route.ts";
import { emailToken, pseudonymizeText } from "../../../runner/privacy/pseudonym.ts";
import { orderEvent, orderFlow, version, writeProject } from "../worker/harness.ts";

const project = writeProject({
  "order-to-afas": orderFlow("v1"),
  "customer-to-afas": `flow: customer-to-afas
trigger:
  webhook: { source: aspos, events: [customer.created, customer.updated] }
input: { select: data.object }
run: { key: email }
steps:
  - id: debtor
    send: afas.TestDebtor
    op: upsert
    fields: { EmAd: email }
`,
  "stock-sync": `flow: stock-sync
trigger:
  webhook: { source: aspos, filter: "type = 'stock.changed' and data.object.warehouseId + 0 = $settings.administrationId" }
steps:
  - set: { n: data.object.number }
`,
  "afas-workflow": `flow: afas-workflow
trigger:
  webhook: { source: afas, events: [workflow.action.executed] }
input: { select: Data }
run: { key: "'order-' & $string(OrNu * 1)" }
steps:
  - set: { n: OrNu }
`,
  "poll-on-workflow": `flow: poll-on-workflow
trigger:
  schedule:
    every: 15m
    poll: aspos.orders
    pollOnWebhook: { source: afas, events: [workflow.action.executed], filter: "$not($exists(Data.OrNu)) or $number(Data.OrNu) < 0" }
steps:
  - set: { n: 1 }
`,
  "called-only": `flow: called-only
steps:
  - set: { n: 1 }
`,
});
const now = () => Date.parse("2026-01-01T12:00:00Z");
const route = (source: string, payload: unknown, headers: Record<string, string> = {}) => routeEvent(project, { source, payload, headers }, now);

describe("routing an accepted event to flows", () => {
  it("picks the flows of the source whose events include the AsPos type, with run.key on the selected record", async () => {
    expect((await route("aspos", orderEvent("W2026-0042", { type: "order.paid" }))).jobs).toEqual([{ flow: "order-to-afas", runKey: "order-to-afas\u001fW2026-0042" }]);
    expect((await route("aspos", { id: "e1", type: "customer.created", data: { object: { email: "a@b.nl" } } })).jobs).toEqual([
      { flow: "customer-to-afas", runKey: "customer-to-afas\u001fa@b.nl" },
    ]);
  });

  it("reads AFAS's EventType and evaluates the key as an expression", async () => {
    const routed = await route("afas", { EventId: "x", EventType: "workflow.action.executed", Data: { OrNu: 812 } });
    expect(routed).toMatchObject({ eventType: "workflow.action.executed", jobs: [{ flow: "afas-workflow", runKey: "afas-workflow\u001forder-812" }] });
    expect((await route("afas", { EventId: "y", EventType: "subject.created", Data: {} })).jobs).toEqual([]);
  });

  it("a thin webhook asks for the polls whose pollOnWebhook it matches, and queues no run of them", async () => {
    const thin = await route("afas", { EventId: "t", EventType: "workflow.action.executed", Data: { ActionName: "sync" } });
    expect(thin).toMatchObject({ jobs: [{ flow: "afas-workflow" }], polls: ["poll-on-workflow"] });
    // One that names its record runs the record's flow only; another type or source asks for nothing.
    expect(await route("afas", { EventId: "o", EventType: "workflow.action.executed", Data: { OrNu: 812 } })).toMatchObject({ polls: [] });
    expect(await route("afas", { EventId: "s", EventType: "subject.created", Data: {} })).toMatchObject({ jobs: [], polls: [] });
    expect(await route("aspos", { id: "a", type: "workflow.action.executed", Data: {} })).toMatchObject({ polls: [] });
    // A filter that fails polls all the same: a poll reads only what changed.
    expect(await route("afas", { EventId: "e", EventType: "workflow.action.executed", Data: { OrNu: "abc" } })).toMatchObject({ polls: ["poll-on-workflow"] });
    const { event, polls } = await toNewEvent(version("v1", project), { source: "afas", dedupKey: "afas:t", payload: { EventType: "workflow.action.executed", Data: {} }, headers: {}, receivedAt: 1 }, now);
    expect(polls).toEqual(["poll-on-workflow"]);
    expect(event.jobs.map((j) => j.flow)).toEqual(["afas-workflow"]);
  });

  it("falls back to a header for the event type when the body has none", async () => {
    const routed = await route("aspos", { data: { object: { number: "1" } } }, { "webhook-type": "order.created" });
    expect(routed).toMatchObject({ eventType: "order.created", jobs: [{ flow: "order-to-afas", runKey: "order-to-afas\u001f1" }] });
    expect(eventTypeOf({ type: "order.paid" }, { "webhook-type": "order.created" })).toBe("order.paid");
    expect(eventTypeOf([1, 2])).toBeNull();
  });

  it("applies a flow's filter over the body, with settings; no events list means every type", async () => {
    const stock = (warehouseId: number) => ({ id: "s", type: "stock.changed", data: { object: { number: "601826", warehouseId } } });
    expect((await route("aspos", stock(1))).jobs).toEqual([{ flow: "stock-sync", runKey: null }]);
    expect((await route("aspos", stock(9))).jobs).toEqual([]);
  });

  it("returns no jobs (but no error) for an event no flow wants, and queues a flow whose filter fails, for its run to fail visibly", async () => {
    expect(await route("aspos", { id: "t", type: "webhook.test", data: { object: {} } })).toMatchObject({ jobs: [], problems: [] });
    expect((await route("unknown-source", orderEvent("1"))).jobs).toEqual([]);
    const broken = await route("aspos", { type: "stock.changed", data: { object: { warehouseId: "x" } } });
    expect(broken.jobs).toEqual([{ flow: "stock-sync", runKey: null }]);
  });

  it("runs a flow without ordering when its key cannot be computed", async () => {
    const routed = await route("afas", { EventType: "workflow.action.executed", Data: { OrNu: "not a number" } });
    expect(routed.jobs).toEqual([{ flow: "afas-workflow", runKey: null }]);
    expect(routed.problems).toEqual([expect.stringContaining("afas-workflow: run.key failed")]);
  });

  it("collects order numbers and emails for search, with the run keys", async () => {
    const routed = await route("aspos", orderEvent("W2026-0042", { email: "jan@example.nl" }));
    expect(routed.searchText).toBe("W2026-0042 jan@example.nl");
    expect(searchTextOf({ lines: [{ sku: "A" }] })).toBeNull();
    expect(searchTextOf({ Data: { OrNu: 812, EmAd: "x@y.nl" } }, ["k"])).toBe("k 812 x@y.nl");
  });

  it("keeps an email field's addresses without the display name, and never cuts a term at the length limit", () => {
    expect(searchTextOf({ number: "W1", email: "Kees Vos <kees@example.nl>" })).toBe("W1 kees@example.nl");
    const long = searchTextOf({ externalNumber: "X".repeat(990), email: "lotte.hunt@example.nl", number: "W2" });
    expect(long).toBe(`${"X".repeat(990)} W2`);
    expect(pseudonymizeText("jöns.müller@exämple.de or ÖZIL@EXAMPLE.COM")).toBe(`${emailToken("jöns.müller@exämple.de")} or ${emailToken("özil@example.com")}`);
    // Written with combining marks (decomposed), the same address gets the same token.
    expect(pseudonymizeText("jo\u0308ns.mu\u0308ller@exa\u0308mple.de")).toBe(emailToken("jöns.müller@exämple.de"));
    // Tokens are stored with the runs and searched for later: their value must never change.
    expect(emailToken(" Kees@Example.NL ")).toBe("email:27c6973afc349e0844a7");
  });

  it("leaves out an email field's value that holds no address, and takes an address with an apostrophe whole", () => {
    // A typo no pseudonym replaces would stand in clear in the store and on every runs page.
    expect(searchTextOf({ number: "W3", email: "lotte.jansen@gmail,com" })).toBe("W3");
    expect(searchTextOf({ number: "W4", email: "Kees Vos" })).toBe("W4");
    expect(searchTextOf({ number: "W5", customer: { email: "o'brien.kees@example.ie" } })).toBe("W5 o'brien.kees@example.ie");
    // What a search for the address hashes (searchTerm) is what ingest stored.
    expect(pseudonymizeText("W5 o'brien.kees@example.ie")).toBe(`W5 ${emailToken("o'brien.kees@example.ie")}`);
    expect(pseudonymizeText("x+tag@example.nl, 'kees@example.nl' a@x.nl/jan@x.nl")).toBe(
      `${emailToken("x+tag@example.nl")}, '${emailToken("kees@example.nl")}' ${emailToken("a@x.nl")}/${emailToken("jan@x.nl")}`,
    );
  });

  it("builds the inbox entry for the webhook route, stamped with the version it was accepted under", async () => {
    const { event } = await toNewEvent(
      version("sha-9", project),
      { source: "aspos", dedupKey: "aspos:id:e", payload: orderEvent("7"), headers: { "webhook-id": "e" }, receivedAt: 5 },
      now,
    );
    expect(event).toEqual({
      source: "aspos",
      dedupKey: "aspos:id:e",
      payload: orderEvent("7"),
      headers: { "webhook-id": "e" },
      flowVersion: "sha-9",
      jobs: [{ flow: "order-to-afas", runKey: "order-to-afas\u001f7" }],
      searchText: "7 klant-7@example.nl",
      receivedAt: 5,
    });
  });
});
