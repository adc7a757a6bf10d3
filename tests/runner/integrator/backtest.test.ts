import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../engine/config/load.ts";
import { backtest, type Revision } from "../../../runner/integrator/backtest.ts";
import type { RetainedRun } from "../../../runner/integrator/retained-runs.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { createRedactor, MASK } from "../../../runner/privacy/redact.ts";
import { MINI_PROJECT } from "./scratch-repo.ts";

const ORDER_FLOW = "mappings/orders/aspos-order-to-afas.flow.yaml";
const DEBTOR_FLOW = "mappings/customers/customer-to-afas-debtor.flow.yaml";
const ORDER = JSON.parse(readFileSync(join(MINI_PROJECT, "mappings/orders/fixtures/order-person-nl.json"), "utf8"));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The mini project, optionally with one text replacement in one flow file. */
function revision(name: string, edit?: { file: string; from: string; to: string }): Revision {
  const dir = mkdtempSync(join(tmpdir(), "koppel-backtest-"));
  dirs.push(dir);
  cpSync(MINI_PROJECT, dir, { recursive: true });
  if (edit) {
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
    const head = revision("head", { file: DEBTOR_FLOW, from: "where: { Email: customer.email }", to: "where: { Email: $lowercase(customer.email), MatchPer: \"'7'\" }" });
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
});
