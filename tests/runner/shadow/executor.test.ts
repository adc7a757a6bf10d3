import { describe, expect, it, vi } from "vitest";
import type { Project } from "../../../engine/config/load.ts";
import type { ConnectorPort, FindRequest } from "../../../engine/flow/port.ts";
import { mockPort } from "../../../engine/flow/fixtures.ts";
import { UpstreamError } from "../../../common/errors.ts";
import { createRedactor, MASK } from "../../../runner/privacy/redact.ts";
import { shadowRun } from "../../../runner/shadow/executor.ts";
import { candidate, DEBTOR_FLOW, LIVE_ANSWERS, liveRun, NOW, ORDER, ORDER_FLOW, project } from "./project.ts";

const live = project();
const redact = createRedactor();
const deps = { redact, now: () => NOW + 5 };
const NEW_READ = { file: ORDER_FLOW, from: "  - id: order\n", to: "  - id: stock\n    find: afas.Koppel_Items\n    where: { ItemCode: \"'601826'\" }\n  - id: order\n" };

describe("a shadow run", () => {
  it("is the same when live and candidate fail on the same AFAS refusal, though the connector worded the live one", async () => {
    const answers = mockPort(LIVE_ANSWERS);
    const refusing: ConnectorPort = {
      find: (req) => answers.find(req),
      send: async (req) => {
        if (req.step !== "order") return answers.send(req);
        throw new UpstreamError("UPSTREAM_REJECTED", "AFAS rejected insert FbSales: Artikel 601826 is geblokkeerd. (profitLogReference 0A1B)", {
          connection: "afas", status: 500, upstreamMessage: "Artikel 601826 is geblokkeerd.", errorNumber: -1, reference: "0A1B",
        });
      },
    };
    const finished = await liveRun(live, ORDER, "run-1", LIVE_ANSWERS, refusing);
    expect(finished.result.outcome).toBe("failed");
    const result = await shadowRun({ candidate: candidate(), project: project() }, finished, deps);
    expect(result).toMatchObject({ verdict: "same", effects: [] });
  });

  it("is the same when the candidate does what the live version did, and asks no live system", async () => {
    const liveFind = vi.fn();
    const result = await shadowRun({ candidate: candidate(), project: project() }, await liveRun(live, ORDER), { ...deps, liveFind });
    expect(result).toEqual({ runId: "run-1", flow: "aspos-order-to-afas", candidateSha: "c".repeat(40), liveVersion: "live-sha", createdAt: NOW + 5, verdict: "same", effects: [], liveReads: 0 });
    expect(liveFind).not.toHaveBeenCalled();
  });

  it("names the changed field on the run it affects and is the same on one it does not", async () => {
    const head = { candidate: candidate(), project: project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $uppercase(remarks)" }) };
    const affected = await shadowRun(head, await liveRun(live, { ...ORDER, remarks: "leave at the door" }), deps);
    expect(affected.verdict).toBe("different");
    expect(affected.effects).toEqual([
      { effect: "order", send: "afas.FbSales", op: "insert", change: "changed", fields: [{ path: "payload.Re", before: "leave at the door", after: "LEAVE AT THE DOOR" }] },
    ]);
    const unaffected = await shadowRun(head, await liveRun(live, { ...ORDER, remarks: undefined }), deps);
    expect(unaffected.verdict).toBe("same");
  });

  it("masks personal values in the differences as the activity log does", async () => {
    const head = { candidate: candidate(), project: project({ file: DEBTOR_FLOW, from: "LaNm: customer.lastName", to: "LaNm: $uppercase(customer.lastName)" }) };
    const result = await shadowRun(head, await liveRun(live, ORDER, "run-1", { existing: [], items: [{ ItemCode: "601826" }, { ItemCode: "200114" }], "debtor.lookup": [], "debtor.created": { DbId: "20045" } }), deps);
    expect(result.verdict).toBe("different");
    expect(result.effects).toEqual([
      { effect: "debtor.created", send: "afas.KnSalesRelationPer", op: "insert", change: "changed", fields: [{ path: "payload.KnPerson.LaNm", before: MASK, after: MASK }] },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/Berg|BERG/);
  });

  it("with payloads: none, still names the changed paths and keeps readable reasons", async () => {
    const none = { ...deps, redact: createRedactor({ payloads: "none" }) };
    const head = { candidate: candidate(), project: project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $uppercase(remarks)" }) };
    const different = await shadowRun(head, await liveRun(live, { ...ORDER, remarks: "leave at the door" }), none);
    expect(different).toMatchObject({ verdict: "different", effects: [{ effect: "order", change: "changed", fields: [{ path: "payload.Re", before: MASK, after: MASK }] }] });
    const throwing = { candidate: candidate(), project: project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $error('no remarks')" }) };
    const failed = await shadowRun(throwing, await liveRun(live, ORDER), none);
    expect(failed.verdict).toBe("shadow failed");
    expect(failed.reason).toContain("no remarks");
  });

  it("masks the customer's name where a failure reason quotes it, with payloads redacted and none alike", async () => {
    const head = { candidate: candidate(), project: project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $error('no remarks for ' & customer.lastName & ' in ' & billingAddress.city)" }) };
    for (const redact of [createRedactor(), createRedactor({ payloads: "none" })]) {
      const result = await shadowRun(head, await liveRun(live, ORDER), { ...deps, redact });
      expect(result.verdict).toBe("shadow failed");
      expect(result.reason).toContain("no remarks for");
      expect(result.reason).not.toMatch(/Berg|Utrecht/);
    }
  });

  it("fails only itself when a candidate expression throws, with a masked reason", async () => {
    const head = { candidate: candidate(), project: project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $error('no remarks for ' & customer.email)" }) };
    const finished = await liveRun(live, ORDER);
    const result = await shadowRun(head, finished, deps);
    expect(result).toMatchObject({ verdict: "shadow failed", outcome: { live: "done", shadow: "failed" } });
    // The write it would no longer make is shown, as removed.
    expect(result.effects.map((e) => [e.effect, e.change])).toEqual([["order", "removed"]]);
    expect(result.reason).toContain("no remarks for");
    expect(result.reason).not.toContain(String((ORDER.customer as { email: string }).email));
    expect(finished.result.outcome).toBe("done");
  });

  it("is shadow failed, not thrown, whatever the candidate throws", async () => {
    const broken = { flows: { get: () => { throw new TypeError("candidate blew up"); } } } as unknown as Project;
    const result = await shadowRun({ candidate: candidate(), project: broken }, await liveRun(live, ORDER), deps);
    expect(result).toMatchObject({ verdict: "shadow failed", reason: "INTERNAL candidate blew up" });
    // A reason quoting a huge value is kept to its start, as a run's error is.
    const huge = { flows: { get: () => { throw new TypeError(`candidate blew up: ${"z".repeat(60_000)}`); } } } as unknown as Project;
    const long = await shadowRun({ candidate: candidate(), project: huge }, await liveRun(live, ORDER), deps);
    expect(long.reason!.length).toBeLessThan(2_200);
    expect(long.reason).toMatch(/^INTERNAL candidate blew up: z+… \(\d+ more characters/);
  });

  it("counts a run that fails the way runs fail (a fail step) as newly failing", async () => {
    const head = { candidate: candidate(), project: project({ file: ORDER_FLOW, from: "  - id: order\n", to: "  - fail: \"true\"\n    reason: \"'stop here'\"\n  - id: order\n" }) };
    const result = await shadowRun(head, await liveRun(live, ORDER), deps);
    expect(result).toMatchObject({ verdict: "newly failing", outcome: { live: "done", shadow: "failed" } });
    expect(result.reason).toContain("stop here");
  });

  it("is not comparable when it needs a read the live run did not make and has no budget", async () => {
    const liveFind = vi.fn();
    const result = await shadowRun({ candidate: candidate(), project: project(NEW_READ) }, await liveRun(live, ORDER), { ...deps, liveFind });
    expect(result).toMatchObject({ verdict: "not comparable", reason: "needs a live read: stock (not made by the run)", liveReads: 0 });
    expect(liveFind).not.toHaveBeenCalled();
  });

  it("reads the live system within its budget, and only finds", async () => {
    const asked: FindRequest[] = [];
    const liveFind = async (req: FindRequest) => {
      asked.push(req);
      return { rows: [{ ItemCode: "601826" }] };
    };
    const result = await shadowRun({ candidate: candidate({ readBudget: 1 }), project: project(NEW_READ) }, await liveRun(live, ORDER), { ...deps, liveFind });
    expect(result).toMatchObject({ verdict: "same", liveReads: 1 });
    expect(asked).toMatchObject([{ step: "stock", connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "eq", value: "601826" }] }]);
  });

  it("does not reuse a recorded answer for a read whose filters changed", async () => {
    const head = project({ file: DEBTOR_FLOW, from: "where: { Email: customer.email }", to: "where: { Email: $lowercase(customer.email), DebtorType: \"'P'\" }" });
    const result = await shadowRun({ candidate: candidate(), project: head }, await liveRun(live, ORDER), deps);
    expect(result).toMatchObject({ verdict: "not comparable", reason: "needs a live read: debtor.lookup (other filters than the run's)" });
  });

  it("answers a send the live run did not make with an empty answer, and says so", async () => {
    const head = project({
      file: ORDER_FLOW,
      from: "  - id: order\n",
      to: "  - id: note\n    send: afas.FbSales\n    op: insert\n    fields: { DbId: \"'1'\", OrDa: \"'2025-03-02'\", Unit: 1, RfCs: \"'X'\" }\n  - id: order\n",
    });
    const result = await shadowRun({ candidate: candidate(), project: head }, await liveRun(live, ORDER), deps);
    expect(result.verdict).toBe("different");
    expect(result.effects.map((e) => [e.effect, e.change])).toEqual([["note", "added"]]);
    expect(result.reason).toBe("sends the live run did not make got an empty answer: note");
  });

  it("is not comparable, not shadow failed, when it fails after a send the live run did not make got an empty answer", async () => {
    const head = project({
      file: ORDER_FLOW,
      from: "  - id: order\n",
      to: "  - id: note\n    send: afas.FbSales\n    op: insert\n    fields: { DbId: \"'1'\", OrDa: \"'2025-03-02'\", Unit: 1, RfCs: \"'X'\" }\n  - id: order\n",
    }, { file: ORDER_FLOW, from: "DbId: \"$settings.defaultDebtor ? $settings.defaultDebtor : $steps.debtor.DbId\"", to: "DbId: $steps.note.DbId" });
    const result = await shadowRun({ candidate: candidate(), project: head }, await liveRun(live, ORDER), deps);
    expect(result.verdict).toBe("not comparable");
    expect(result.reason).toMatch(/^sends the live run did not make got an empty answer \(note\), and then it failed: .*PAYLOAD_INVALID/);
  });

  it("shows the candidate's error when the live run failed too, for another reason", async () => {
    const refused = await liveRun(live, ORDER, "run-1", { ...LIVE_ANSWERS, order: { $error: { code: "UPSTREAM_REJECTED", message: "the period is closed" } } });
    expect(refused.result.outcome).toBe("failed");
    const head = project({ file: ORDER_FLOW, from: "Re: remarks", to: "Re: $error('remarks are not allowed')" });
    const result = await shadowRun({ candidate: candidate(), project: head }, refused, deps);
    expect(result.verdict).toBe("different");
    expect(result.reason).toContain("remarks are not allowed");
    expect((await shadowRun({ candidate: candidate(), project: live }, refused, deps)).verdict).toBe("same");
  });

  it("skips an event the candidate's webhook events no longer take, as routing would", async () => {
    const head = project({ file: ORDER_FLOW, from: "events: [order.created, order.paid]", to: "events: [order.paid]" });
    const result = await shadowRun({ candidate: candidate(), project: head }, await liveRun(live, ORDER), deps);
    expect(result).toMatchObject({ verdict: "different", outcome: { live: "done", shadow: "skipped" } });
    expect(result.reason).toContain("(order.created) is not one the flow's webhook takes: order.paid");
  });

  it("is not comparable when the candidate has no flow of that name", async () => {
    const result = await shadowRun({ candidate: candidate(), project: { ...live, flows: new Map() } }, await liveRun(live, ORDER), deps);
    expect(result).toMatchObject({ verdict: "not comparable", reason: "flow aspos-order-to-afas is not in the candidate" });
  });
});
