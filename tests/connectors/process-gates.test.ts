import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("gives each environment, and each size of cap, a gate of its own", () => {
    const gates = processGates();
    expect(gates("http://a/ProfitRestServices", 4)).toBe(gates("http://a/ProfitRestServices", 4));
    expect(gates("http://a/ProfitRestServices", 4)).not.toBe(gates("http://b/ProfitRestServices", 4));
    expect(gates("http://a/ProfitRestServices", 4)).not.toBe(gates("http://a/ProfitRestServices", 8));
  });
});
