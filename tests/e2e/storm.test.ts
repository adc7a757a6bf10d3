import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Runtime } from "../../runner/serve/runtime.ts";
import { ADMIN_TOKEN, freePort, orderWebhook, scratchProject, setEnv, startSimulators, waitFor, type Simulators } from "../../bench/support/harness.ts";

/** AFAS maintenance: every call answers 503 with retry_after for a while. Runs wait and then finish. */
describe("a 503 storm from AFAS", () => {
  let sims: Simulators;
  let runtime: Runtime;
  let restoreEnv: () => void;

  beforeAll(async () => {
    sims = await startSimulators();
    restoreEnv = setEnv(sims.env);
    const dir = scratchProject();
    runtime = await startRuntime({
      configPath: join(dir, "mapping.config.yaml"),
      port: await freePort(),
      adminToken: ADMIN_TOKEN,
      storeUrl: `sqlite:${join(dir, "data/koppel.db")}`,
      // Short retries so the storm is outlasted in seconds; production spreads 8 attempts over ~12 h.
      backoff: { baseMs: 100, capMs: 400, maxRetryAfterMs: 1500 },
      // The flow's 5-minute poll ticks on wall-clock multiples and backfills the simulator's sample
      // orders: a run crossing one counted 19 runs for 12 events (CI, once).
      schedules: false,
    });
  });
  afterAll(async () => {
    await runtime?.stop();
    await sims.close();
    restoreEnv();
  });

  it("ends with every run done after AFAS recovers, with the attempts visible per run", async () => {
    sims.afas.control.injectFault({ unavailable: { durationMs: 2500, retryAfterSeconds: 1, header: true } });
    const numbers = Array.from({ length: 12 }, (_, i) => `STORM-${i}`);
    for (const [i, number] of numbers.entries()) {
      const { body, headers } = orderWebhook(number, `evt-storm-${i}`);
      const res = await fetch(`${runtime.url}/webhooks/aspos`, { method: "POST", body, headers });
      expect(res.status).toBe(202);
    }
    await waitFor(async () => (await runtime.queue.depth()).total === 0, 60_000, () => "the queue did not drain after the storm");

    const runs = await runtime.store.listRuns({ flow: "aspos-order-to-afas", limit: 100 });
    expect(runs).toHaveLength(numbers.length);
    expect(runs.map((r) => r.status)).toEqual(numbers.map(() => "done"));
    expect(Math.max(...runs.map((r) => r.attempts))).toBeGreaterThan(1);
    const orders = [...sims.afas.state.data.salesOrders.values()].filter((o) => String(o.ExternalNumber).startsWith("STORM-"));
    expect(orders.map((o) => o.ExternalNumber).sort()).toEqual([...numbers].sort());
    // The retried attempts are in the activity log: the failed tries carried AFAS's 503.
    const retried = runs.find((r) => r.attempts > 1)!;
    const detail = await runtime.store.getRun(retried.id);
    expect(detail?.attempts).toBe(retried.attempts);
  }, 90_000);
});
