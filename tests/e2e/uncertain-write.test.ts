import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scratchProject } from "../../bench/support/harness.ts";
import { startSystem, ADMIN_TOKEN, type System } from "./browser/system.ts";

/**
 * Whole system: Profit books an order, then the connection is cut before its answer arrives (a
 * proxy or gateway losing it). Sent again on its own, the insert would book the order twice
 * wherever the flow cannot find the first one (a stock mutation, a journal entry) or finds it too
 * early; instead the run fails at once for the operator, whose replay finds the order and skips.
 */
describe("a create whose answer was lost", () => {
  let system: System;

  beforeAll(async () => {
    // The sample order flow without its onLostAnswer: the send no longer says a find checks for it.
    const dir = scratchProject();
    const file = join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml");
    const flow = readFileSync(file, "utf8");
    const declared = /\n {4}# After a lost answer[^\n]*\n {4}onLostAnswer: [^\n]*/;
    expect(flow).toMatch(declared);
    writeFileSync(file, flow.replace(declared, ""));
    system = await startSystem({ project: dir });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("is not sent again on its own: the run fails with UPSTREAM_UNCERTAIN, and a replay finds the order Profit made", async () => {
    const afas = system.sim.afas.control;
    const booked = () => afas.records("FbSales")?.length ?? 0;
    const before = booked();
    afas.injectFault({ drop: { method: "POST", afterWrite: true } });
    expect(await system.postOrder("W2026-779001")).toBe(202);
    const run = await system.waitForRun((r) => r.status === "failed", "failed at once");
    expect(run.attempts).toBe(1);
    const stored = await system.runtime.store.getRun(run.id);
    expect(stored?.error?.code).toBe("UPSTREAM_UNCERTAIN");
    expect(stored?.error?.message).toMatch(/may have carried out insert FbSales: the connection failed before the answer/);
    expect(booked()).toBe(before + 1);

    const replay = await fetch(`${system.runtime.url}/api/runs/${run.id}/replay`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(replay.status).toBe(202);
    const { runId } = (await replay.json()) as { runId: string };
    const again = await system.waitForRun((r) => r.id === runId && r.status !== "queued" && r.status !== "running", "replay finished");
    expect(again.status).toBe("skipped");
    expect(booked()).toBe(before + 1);
  });
});

/**
 * The same lost answer, in a flow that declares its duplicate check (onLostAnswer): the run waits
 * and is tried again on its own; the retry's find sees the order Profit made and skips.
 */
describe("a create whose answer was lost, in a flow that looks the record up first", () => {
  let system: System;

  beforeAll(async () => {
    // The sample order flow declares it, with the default wait of ten minutes.
    const dir = scratchProject();
    expect(readFileSync(join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml"), "utf8")).toContain("    onLostAnswer: { checkedBy: existing }\n");
    system = await startSystem({ project: dir });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("waits the given time, then its retry finds the order and skips: Profit holds it once", async () => {
    const afas = system.sim.afas.control;
    const booked = () => afas.records("FbSales")?.length ?? 0;
    const before = booked();
    afas.injectFault({ drop: { method: "POST", afterWrite: true } });
    const posted = Date.now();
    expect(await system.postOrder("W2026-779002")).toBe(202);
    const run = await system.waitForRun((r) => r.status === "retrying", "waiting to retry");
    expect(run.attempts).toBe(1);
    const stored = await system.runtime.store.getRun(run.id);
    expect(stored?.error?.code).toBe("UPSTREAM_UNCERTAIN_RETRY");
    expect(await system.runtime.queue.depth()).toMatchObject({ delayed: 1, leased: 0 });
    expect(booked()).toBe(before + 1);
    // Not before the flow's wait: the next attempt is about ten minutes away (never sooner).
    const retryAt = (stored?.trace as { retryAt?: number } | null)?.retryAt;
    expect(retryAt).toBeGreaterThanOrEqual(posted + 10 * 60_000);

    // The operator need not wait to see it: "retry now" runs the same run, whose find sees the order.
    const retried = await fetch(`${system.runtime.url}/api/runs/${run.id}/retry`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(retried.status).toBeLessThan(300);
    const again = await system.waitForRun((r) => r.id === run.id && r.status === "skipped", "skipped on its retry");
    expect(again.attempts).toBe(2);
    expect(booked()).toBe(before + 1);
  });
});
