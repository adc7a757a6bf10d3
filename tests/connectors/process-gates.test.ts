import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConcurrencyGate } from "../../runner/connectors/http/gate.ts";
import { processGates } from "../../runner/connectors/http/process-gates.ts";
import { createConnectors } from "../../runner/connectors/registry.ts";
import { SANDBOX_TOKEN, startAfasSimulator, type RunningAfasSimulator } from "../../sandbox/afas/index.ts";

describe("AFAS connections share their environment's cap", () => {
  let sim: RunningAfasSimulator;
  beforeAll(async () => {
    sim = await startAfasSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it("two connections to one environment keep to one maxParallel together", async () => {
    const afas = { type: "afas", baseUrl: sim.baseUrl, token: SANDBOX_TOKEN, maxParallel: 3 } as const;
    const connectors = createConnectors({ orders: afas, debtors: afas }, { gates: processGates() });
    sim.control.injectFault({ latencyMs: 10 });
    sim.control.resetStats();
    try {
      const started = performance.now();
      await Promise.all(Array.from({ length: 60 }, (_, i) =>
        connectors.get(i % 2 ? "orders" : "debtors")!.find({ connection: "afas", object: "Koppel_Items", where: [{ field: "ItemCode", op: "ne", value: String(i) }], take: 1 })));
      const elapsed = performance.now() - started;
      const stats = sim.control.stats();
      expect(stats.maxInFlight).toBe(3);
      // The simulator's time-integral of calls in flight (bench/scale.ts's average): each call held
      // at least its 10 ms, and never more than 3 at once.
      expect(stats.busyMs).toBeGreaterThanOrEqual(60 * 10);
      expect(stats.busyMs).toBeLessThanOrEqual(3 * elapsed);
    } finally {
      sim.control.clearFaults();
    }
  });

  it("asks for a slot held as long as its longest hold: the call, or with OAuth two token requests and two calls", () => {
    const asked: { key: string; size: number; longestCallMs: number | undefined }[] = [];
    const gates = processGates();
    const spy = (key: string, size: number, longestCallMs?: number) => (asked.push({ key, size, longestCallMs }), gates(key, size, longestCallMs));
    createConnectors({
      classic: { type: "afas", baseUrl: "http://a/ProfitRestServices", token: SANDBOX_TOKEN, timeoutMs: 30_000 },
      oauth: { type: "afas", baseUrl: "http://b/ProfitRestServices", clientId: "id", clientSecret: "secret", timeoutMs: 30_000 },
    }, { gates: spy });
    expect(asked.map((a) => a.longestCallMs)).toEqual([30_000, 120_000]);
  });

  it("gives each environment one gate, whatever cap a version asks: after a reload from 4 to 8, at most 8 at once, not 4 + 8", async () => {
    const gates = processGates();
    expect(gates("http://a/ProfitRestServices", 4)).not.toBe(gates("http://b/ProfitRestServices", 4));
    const old = gates("http://a/ProfitRestServices", 4);
    let active = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const call = (gate: ConcurrencyGate) => gate.run(async () => {
      peak = Math.max(peak, ++active);
      await new Promise<void>((r) => release.push(r));
      active -= 1;
    });
    // The old version's backlog fills its 4 and waits for more.
    const calls = Array.from({ length: 10 }, () => call(old));
    await new Promise((r) => setImmediate(r));
    expect(active).toBe(4);
    // The new version's cap of 8 widens the one gate: the waiting calls take the room, no more.
    const wider = gates("http://a/ProfitRestServices", 8);
    expect(wider).toBe(old);
    calls.push(...Array.from({ length: 6 }, () => call(wider)));
    await new Promise((r) => setImmediate(r));
    expect(active).toBe(8);
    while (release.length) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    expect(peak).toBe(8);
  });
});
