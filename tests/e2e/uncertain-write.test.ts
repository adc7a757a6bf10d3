import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    system = await startSystem();
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
