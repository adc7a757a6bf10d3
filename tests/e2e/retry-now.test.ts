import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, ADMIN_TOKEN, type System } from "./browser/system.ts";

/**
 * Whole system: AFAS is down, so an order's run waits for its next attempt (minutes away by the
 * default backoff, or hours by a Retry-After). Once AFAS is back the operator tries it again now,
 * from the API or the run page, and the same run finishes: no new run, no wait.
 */
describe("retrying a run now", () => {
  let system: System;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it("makes a retrying run due at once, and refuses a run that is not waiting", async () => {
    const afas = system.sim.afas.control;
    afas.injectFault({ unavailable: { requests: 1_000, retryAfterSeconds: 3_600 } });
    expect(await system.postOrder("W2026-781001")).toBe(202);
    const waiting = await system.waitForRun((r) => r.status === "retrying", "waiting for its next attempt");

    const page = await (await fetch(`${system.runtime.url}/runs/${waiting.id}`, { headers: auth })).text();
    expect(page).toContain(`action="/runs/${waiting.id}/retry"`);
    expect(page).toContain("Retry now");

    afas.clearFaults();
    const retried = await fetch(`${system.runtime.url}/api/runs/${waiting.id}/retry`, { method: "POST", headers: auth });
    expect(retried.status).toBe(202);
    expect(await retried.json()).toEqual({ runId: waiting.id });
    const done = await system.waitForRun((r) => r.id === waiting.id && r.status === "done", "done after the retry");
    expect(done.attempts).toBe(2);
    expect((await system.runtime.store.listRuns({ limit: 50 })).filter((r) => r.eventId === waiting.eventId)).toHaveLength(1);

    const again = await fetch(`${system.runtime.url}/api/runs/${waiting.id}/retry`, { method: "POST", headers: auth });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "RETRY_REFUSED", reason: expect.stringContaining("is done") } });
    expect((await fetch(`${system.runtime.url}/api/runs/no-such-run/retry`, { method: "POST", headers: auth })).status).toBe(404);
  });
});
