import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSystem, ADMIN_TOKEN, type System } from "../../e2e/browser/system.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

/** Whole system: AFAS keeps answering 503 until the run is out of attempts; one alert arrives. */
describe("alerts from a running runtime", () => {
  let receiver: Receiver;
  let system: System;

  beforeAll(async () => {
    receiver = await startReceiver();
    system = await startSystem({
      configExtra: `alerts:\n  - { webhook: "${receiver.url}", throttle: 1h }`,
      // Retries a few ms apart, and AFAS's Retry-After not believed, so 8 attempts take seconds.
      runtime: { backoff: { baseMs: 5, capMs: 20, maxRetryAfterMs: 0 } },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  it("alerts a run that failed for good once, not once per retry", async () => {
    system.sim.afas.control.injectFault({ unavailable: { requests: 10_000 } });
    expect(await system.postOrder("W2026-777001")).toBe(202);
    const run = await system.waitForRun((r) => r.status === "failed", "failed for good");
    // The poll can read the failed run in the same commit that records it, and get its answer a few
    // microtasks before the worker hands the run to the alerter: wait for the alert, then for any other.
    await vi.waitFor(() => expect(receiver.bodies.length).toBeGreaterThan(0), { timeout: 5_000 });
    await system.runtime.alerter.idle();

    expect(run.attempts).toBe(8);
    expect(receiver.bodies).toHaveLength(1);
    expect(receiver.bodies[0]!.koppel).toMatchObject({ kind: "run-failed", code: "UPSTREAM_UNAVAILABLE", runId: run.id });
    expect(receiver.bodies[0]!.text).toContain(`${system.runtime.url}/runs/${run.id}`);

    const metrics = await (await fetch(`${system.runtime.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(metrics).toContain('koppel_retries_total{flow="aspos-order-to-afas"} 7');
    expect(metrics).toContain('koppel_runs_total{flow="aspos-order-to-afas",outcome="failed"} 1');
    expect(metrics).toMatch(/koppel_upstream_errors_total\{connection="afas",status="503"\} \d+/);
    expect(metrics).toContain('koppel_webhooks_total{source="aspos",result="accepted"} 1');
  });
});
