import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, orderWebhook, scratchProject, startRunnerProcess, startSimulators, waitFor, type Simulators } from "../../bench/support/harness.ts";

/**
 * The promise behind a 2xx: the event is stored before the answer, and a kill -9 at any moment
 * neither loses it nor writes it to AFAS twice. A real runner process takes a burst of signed
 * webhooks, is killed mid-burst, restarted on the same store, and drains.
 */
describe("kill -9 during a burst of 1,000 webhooks", () => {
  let sims: Simulators;
  beforeAll(async () => {
    sims = await startSimulators();
  });
  afterAll(async () => {
    await sims.close();
  });

  it("every event answered 2xx runs exactly once, and AFAS gets no duplicate order", async () => {
    const dir = scratchProject();
    const port = await freePort();
    // Short leases: the killed process's jobs are claimable again seconds after the restart.
    const env = { ...sims.env, KOPPEL_LEASE_MS: "5000" };
    let runner = await startRunnerProcess(dir, env, port);
    const accepted = new Set<string>();
    let sent = 0;
    let killed = false;

    const send = async (i: number): Promise<void> => {
      const number = `CRASH-${String(i).padStart(4, "0")}`;
      const { body, headers } = orderWebhook(number, `evt-crash-${i}`);
      try {
        const res = await fetch(`${runner.url}/webhooks/aspos`, { method: "POST", body, headers });
        if (res.status === 202 || res.status === 200) accepted.add(number);
      } catch {
        // Connection refused or reset: the sender was not told "accepted", so nothing is owed.
      }
    };

    // 1,000 webhooks from 16 concurrent senders; the runner is killed once a third are accepted.
    const total = 1000;
    const senders = Array.from({ length: 16 }, async () => {
      while (sent < total) {
        const i = sent++;
        await send(i);
        if (!killed && accepted.size >= total / 3) {
          killed = true;
          runner.child.kill("SIGKILL");
        }
      }
    });
    await Promise.all(senders);
    expect(killed).toBe(true);
    const child = runner.child;
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
    expect(accepted.size).toBeGreaterThan(0);

    runner = await startRunnerProcess(dir, env, port);
    const db = new Database(join(dir, "data/koppel.db"), { readonly: true });
    try {
      await waitFor(
        () => (db.prepare("select count(*) as n from jobs").get() as { n: number }).n === 0,
        120_000,
        () => `jobs did not drain:\n${runner.output()}`,
      );
      const orders = [...sims.afas.state.data.salesOrders.values()].filter((o) => String(o.ExternalNumber ?? "").startsWith("CRASH-"));
      const perNumber = new Map<string, number>();
      for (const o of orders) perNumber.set(String(o.ExternalNumber), (perNumber.get(String(o.ExternalNumber)) ?? 0) + 1);

      const duplicates = [...perNumber].filter(([, n]) => n > 1);
      expect(duplicates).toEqual([]);
      const missing = [...accepted].filter((n) => perNumber.get(n) !== 1);
      expect(missing).toEqual([]);
      const failed = db.prepare("select count(*) as n from runs where status = 'failed'").get() as { n: number };
      expect(failed.n).toBe(0);
    } finally {
      db.close();
      runner.child.kill("SIGKILL");
    }
  }, 240_000);
});
