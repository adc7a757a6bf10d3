import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { backtest, type Revision } from "../../../runner/integrator/backtest.ts";
import type { RetainedRun } from "../../../runner/integrator/retained-runs.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { createRedactor, MASK } from "../../../runner/privacy/redact.ts";
import { executeFlow } from "../../../engine/flow/execute.ts";
import { mockPort } from "../../../engine/flow/fixtures.ts";
import { projectEnv } from "../../../runner/project-env.ts";
import { mocksFromTrace, readsFromTrace } from "../../../runner/recorded/trace-answers.ts";
import { readRunRecord, type RunRecord } from "../../../runner/run-record.ts";
import { runRecord } from "../../../runner/worker/record.ts";
import { MINI_PROJECT } from "./scratch-repo.ts";

const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
const DEBTOR_FLOW = "mappings/customers/customer-to-afas-debtor.flow.yaml";
const ORDER = JSON.parse(readFileSync(join(MINI_PROJECT, "mappings/orders/fixtures/order-person-nl.json"), "utf8"));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Edit {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

/** The mini project, optionally with text replacements in its flow files. */
function revision(name: string, ...edits: (Edit | undefined)[]): Revision {
  const dir = mkdtempSync(join(tmpdir(), "koppel-backtest-"));
  dirs.push(dir);
  cpSync(MINI_PROJECT, dir, { recursive: true });
  for (const edit of edits) {
    if (!edit) continue;
    const text = readFileSync(join(dir, edit.file), "utf8");
    expect(text.split(edit.from)).toHaveLength(2);
    writeFileSync(join(dir, edit.file), text.replace(edit.from, edit.to));
  }
  const config = join(dir, "mapping.config.yaml");
  const { project, errors } = loadProject(config, nodeHost(config, { cwd: dir, lenientEnv: true }));
  return { name, ...(project ? { project } : {}), errors: errors.map((e) => e.format()) };
}

/** A run of the order flow as the store keeps it: the event and what each read answered. */
function run(id: string, order: Record<string, unknown>, mocks: Record<string, unknown> = {}): RetainedRun {
  return {
    id,
    flow: "aspos-order-to-afas",
    createdAt: Date.parse("2025-03-02T08:00:00Z"),
    now: Date.parse("2025-03-02T08:00:00Z"),
    eventId: `evt_${id}`,
    recordedOutcome: "done",
    input: { type: "order.created", data: { object: order } },
    mocks: { existing: [], items: [{ ItemCode: "601826" }, { ItemCode: "200114" }], "debtor.lookup": [{ DbId: "10001" }], order: { OrNu: "2025-000900" }, ...mocks },
    // The filters as an older worker's trace kept them (only `where`): the email masked.
    reads: {
      existing: [{ where: [{ field: "ExternalNumber", op: "eq", value: order.number }] }],
      items: [{ where: [{ field: "ItemCode", op: "eq", value: [...new Set((order.lines as { sku: string }[]).map((l) => l.sku))] }] }],
      "debtor.lookup": [{ where: [{ field: "Email", op: "eq", value: MASK }] }],
    },
  };
}

const base = revision("main");
const redact = createRedactor();

describe("backtest comparison", () => {
  it("reports the changed field on the runs it affects and same on the others", async () => {
    const head = revision("head", { file: ORDER_FLOW, from: "Re: remarks", to: "Re: $uppercase(remarks)" });
    const runs = [run("r1", { ...ORDER, remarks: "leave at the door" }), run("r2", { ...ORDER, remarks: undefined }), run("r3", { ...ORDER, remarks: "CALL FIRST" })];
    const result = await backtest(runs, base, head, redact);
    expect(result.totals).toEqual({ same: 2, different: 1, "newly failing": 0, "newly passing": 0, "not comparable": 0 });
    expect(result.runs.map((r) => [r.runId, r.verdict])).toEqual([["r1", "different"], ["r2", "same"], ["r3", "same"]]);
    expect(result.runs[0]!.effects).toEqual([
      { effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: [{ path: "payload.Re", before: "leave at the door", after: "LEAVE AT THE DOOR" }] },
    ]);
  });

  it("counts a run that now fails as newly failing, with the outcome and reason", async () => {
    const head = revision("head", { file: ORDER_FLOW, from: "Re: remarks", to: "Re: $error('no remarks allowed for ' & customer.email)" });
    const result = await backtest([run("r1", ORDER)], base, head, redact);
    expect(result.totals["newly failing"]).toBe(1);
    expect(result.runs[0]!.outcome).toMatchObject({ before: "done", after: "failed" });
    expect(result.runs[0]!.outcome!.reason).toContain("no remarks allowed for");
    expect(result.runs[0]!.outcome!.reason).not.toContain("sanne.berg@example.nl");
  });

  it("shows a changed personal field as changed, masked as the activity log masks it", async () => {
    const head = revision("head", { file: DEBTOR_FLOW, from: "LaNm: customer.lastName", to: "LaNm: $uppercase(customer.lastName)" });
    const result = await backtest([run("r1", ORDER, { "debtor.lookup": [], "debtor.created": { DbId: "20045" } })], base, head, redact);
    expect(result.runs[0]!.verdict).toBe("different");
    expect(result.runs[0]!.effects).toEqual([
      { effect: "debtor.created", send: "afas.KnSalesRelationPer", op: "insert", change: "changed", fields: [{ path: "payload.KnPerson.LaNm", before: MASK, after: MASK }] },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/Berg|BERG/);
  });

  it("does not guess a read the recorded run never made: the run needs a live read", async () => {
    const head = revision("head", {
      file: ORDER_FLOW,
      from: "  - id: order\n",
      to: "  - id: stock\n    find: afas.Koppel_Items\n    where: { ItemCode: \"'601826'\" }\n  - id: order\n",
    });
    const result = await backtest([run("r1", ORDER)], base, head, redact);
    expect(result.runs[0]).toMatchObject({ verdict: "not comparable", reason: "needs a live read: stock (not made by the run)" });
    expect(result.totals["not comparable"]).toBe(1);
  });

  it("does not reuse a recorded answer for a read whose filters changed", async () => {
    const head = revision("head", { file: DEBTOR_FLOW, from: "where: { Email: customer.email }", to: "where: { Email: $lowercase(customer.email), DebtorType: \"'P'\" }" });
    const same = await backtest([run("r1", ORDER)], base, base, redact);
    expect(same.runs[0]!.verdict).toBe("same");
    const result = await backtest([run("r1", ORDER)], base, head, redact);
    expect(result.runs[0]).toMatchObject({ verdict: "not comparable", reason: "needs a live read: debtor.lookup (other filters than the run's)" });
  });

  it("with payloads: none, keeps no filters to compare: runs are not comparable, nothing throws", async () => {
    const head = revision("head", { file: ORDER_FLOW, from: "Re: remarks", to: "Re: $uppercase(remarks)" });
    const result = await backtest([run("r1", { ...ORDER, remarks: "leave at the door" })], base, head, createRedactor({ payloads: "none" }));
    expect(result.runs[0]).toMatchObject({ verdict: "not comparable", reason: expect.stringContaining("existing (other filters than the run's)") });
  });

  it("counts a run whose payload retention purged as not comparable, with the reason", async () => {
    const purged: RetainedRun = { ...run("r1", ORDER), input: undefined, mocks: {}, reads: {}, unusable: "its event payload was purged by retention or erased" };
    const result = await backtest([purged, run("r2", ORDER)], base, base, redact);
    expect(result.runs[0]).toMatchObject({ verdict: "not comparable", reason: "its event payload was purged by retention or erased" });
    expect(result.runs[1]!.verdict).toBe("same");
  });

  it("ties masked recorded answers back to the event: a guard on a masked field does what the run did", async () => {
    // A guard on the debtor AFAS found: the live run skipped because its city was the customer's.
    const guard: Edit = {
      file: ORDER_FLOW,
      from: "  - id: items\n",
      to: "  - id: known\n    find: afas.Koppel_Debtors\n    where: { Email: customer.email }\n    one: true\n  - skip: $steps.known.City = billingAddress.city\n    reason: \"'debtor known'\"\n  - id: items\n",
    };
    const guarded = revision("main", guard);
    const head = revision("head", guard, { file: ORDER_FLOW, from: "Re: remarks", to: "Re: $uppercase(remarks)" });
    const live = await liveRun(guarded, "r1", ORDER, { existing: [], known: [{ DbId: "10001", City: ORDER.billingAddress.city }] });
    expect(live.recordedOutcome).toBe("skipped");
    expect(JSON.stringify(live.mocks)).toContain(MASK);
    const result = await backtest([live], guarded, head, redact);
    // Answered "[redacted]", the guard let both revisions write an order the run never wrote.
    expect(result.runs[0]).toMatchObject({ verdict: "same", effects: [] });
  });

  it("compares the head's filters with the base's unmasked: a changed value in a masked filter needs a live read", async () => {
    const head = revision("head", { file: DEBTOR_FLOW, from: "where: { Email: customer.email }", to: "where: { Email: \"'info@' & $substringAfter(customer.email, '@')\" }" });
    const result = await backtest([run("r1", ORDER)], base, head, redact);
    expect(result.runs[0]).toMatchObject({ verdict: "not comparable", reason: "needs a live read: debtor.lookup (other filters than the run's)" });
  });

  it("applies the head's webhook trigger: an event its filter or events no longer take is skipped", async () => {
    const webhook = { ...run("r1", ORDER), source: "aspos", fromWebhook: true, headers: {} };
    const filtered = revision("head", { file: ORDER_FLOW, from: "events: [order.created, order.paid] }", to: "events: [order.created, order.paid], filter: \"data.object.channel = 'Store'\" }" });
    const byFilter = await backtest([webhook], base, filtered, redact);
    expect(byFilter.runs[0]).toMatchObject({ verdict: "different", outcome: { before: "done", after: "skipped", reason: "the event does not pass the flow's webhook filter" } });
    const paidOnly = revision("head", { file: ORDER_FLOW, from: "events: [order.created, order.paid]", to: "events: [order.paid]" });
    const byType = await backtest([webhook], base, paidOnly, redact);
    expect(byType.runs[0]).toMatchObject({ verdict: "different", outcome: { before: "done", after: "skipped", reason: expect.stringContaining("(order.created) is not one the flow's webhook takes: order.paid") } });
    // A polled record has no webhook trigger to pass.
    const polled = await backtest([{ ...webhook, fromWebhook: false, headers: null }], base, paidOnly, redact);
    expect(polled.runs[0]!.verdict).toBe("same");
  });

  it("holds the head to the run's own reads when the base does not have the flow (a flow added back)", async () => {
    const withoutFlow: Revision = { ...base, project: { ...base.project!, flows: new Map() } };
    const result = await backtest([run("r1", ORDER)], withoutFlow, base, redact);
    expect(result.runs[0]).toMatchObject({ verdict: "newly passing", outcome: { before: "failed", after: "done" } });
  });

  it("shows the head's error when a run fails either way but for another reason", async () => {
    const refused = run("r1", ORDER, { order: { $error: { code: "UPSTREAM_REJECTED", message: "the period is closed" } } });
    const head = revision("head", { file: ORDER_FLOW, from: "Re: remarks", to: "Re: $error('remarks are not allowed')" });
    const result = await backtest([refused], base, head, redact);
    expect(result.runs[0]).toMatchObject({ verdict: "different", outcome: { before: "failed", after: "failed", reason: expect.stringContaining("remarks are not allowed") } });
    const same = await backtest([refused], base, base, redact);
    expect(same.runs[0]!.verdict).toBe("same");
  });
});

/** A run as the worker would have stored it: executed with the real answers, its record masked. */
async function liveRun(revision: Revision, id: string, order: Record<string, unknown>, answers: Record<string, unknown>): Promise<RetainedRun> {
  const project = revision.project!;
  const flow = project.flows.get("aspos-order-to-afas")!;
  const input = { type: "order.created", data: { object: order } };
  const now = Date.parse("2025-03-02T08:00:00Z");
  const result = await executeFlow(flow, input, { ...projectEnv(project, () => now), port: mockPort(answers), flows: project.flows, eventId: `evt_${id}` });
  const record = readRunRecord(redact(JSON.parse(JSON.stringify(runRecord(result, { ms: 1, attempt: 1 }))))) as RunRecord;
  return { id, flow: flow.name, createdAt: now, now, eventId: `evt_${id}`, recordedOutcome: record.outcome, input, mocks: mocksFromTrace(record.steps), reads: readsFromTrace(record.steps), record };
}
