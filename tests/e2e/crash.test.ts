import { rmSync, writeFileSync } from "node:fs";
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
    const dir = scratchProject({ lostAnswerWait: "1m" });
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
        // What is left and why, so a drain that times out says which job waits for what.
        () => `jobs did not drain:\n${JSON.stringify(db.prepare("select flow, state, attempts, expiries, not_before, last_error from jobs").all(), null, 1)}\n${runner.output()}`,
      );
      const orders = [...sims.afas.state.data.salesOrders.values()].filter((o) => String(o.ExternalNumber ?? "").startsWith("CRASH-"));
      const perNumber = new Map<string, number>();
      for (const o of orders) perNumber.set(String(o.ExternalNumber), (perNumber.get(String(o.ExternalNumber)) ?? 0) + 1);

      const duplicates = [...perNumber].filter(([, n]) => n > 1);
      expect(duplicates).toEqual([]);
      const missing = [...accepted].filter((n) => perNumber.get(n) !== 1);
      expect(missing).toEqual([]);
      // Webhook runs only: on a slow machine the flow's safety-net schedule may also poll AsPos's seeded
      // orders, whose SKUs the AFAS seed lacks (FLOW_FAILED), which says nothing about the crash.
      const failed = db.prepare("select count(*) as n from runs where status = 'failed' and trigger_kind = 'webhook'").get() as { n: number };
      expect(failed.n).toBe(0);
    } finally {
      db.close();
      runner.child.kill("SIGKILL");
    }
  }, 240_000);

  /**
   * Kills a runner on `dir` while AFAS takes orders `prefix-…`, until one kill fell between AFAS's
   * answer and the run's record: an order AFAS has whose run the store still has unfinished. The
   * window is a few milliseconds (the run's settling commit and its WAL sync), so each cycle kills
   * at another offset after AFAS stored an order. Returns the orders answered 2xx and those caught.
   */
  async function killBetweenAnswerAndRecord(dir: string, env: Record<string, string>, port: number, prefix: string) {
    const dbPath = join(dir, "data/koppel.db");
    const afasOrders = () => [...sims.afas.state.data.salesOrders.values()].filter((o) => String(o.ExternalNumber ?? "").startsWith(`${prefix}-`));
    const accepted = new Set<string>();
    const caught = new Set<string>();
    let sent = 0;
    for (let cycle = 0; cycle < 6 && caught.size === 0; cycle++) {
      const runner = await startRunnerProcess(dir, env, port);
      const until = sent + 60;
      const senders = Array.from({ length: 8 }, async () => {
        while (sent < until) {
          const i = sent++;
          const number = `${prefix}-${String(i).padStart(4, "0")}`;
          const { body, headers } = orderWebhook(number, `evt-${prefix}-${i}`);
          try {
            const res = await fetch(`${runner.url}/webhooks/aspos`, { method: "POST", body, headers });
            if (res.status === 202 || res.status === 200) accepted.add(number);
          } catch {
            // Refused or reset by the kill: never acknowledged, nothing owed.
          }
        }
      });
      const target = afasOrders().length + 20;
      await new Promise<void>((resolve) => {
        const watch = () => {
          if (afasOrders().length < target) return void setImmediate(watch);
          const kill = () => {
            runner.child.kill("SIGKILL");
            resolve();
          };
          if (cycle === 0) kill();
          else setTimeout(kill, cycle - 1);
        };
        watch();
      });
      await Promise.all(senders);
      if (runner.child.exitCode === null && runner.child.signalCode === null) await new Promise((r) => runner.child.once("exit", r));

      const inAfas = new Set(afasOrders().map((o) => String(o.ExternalNumber)));
      const db = new Database(dbPath, { readonly: true });
      const unfinished = db.prepare("select search_text from runs where status in ('running', 'queued', 'retrying')").all() as { search_text: string }[];
      db.close();
      for (const r of unfinished) for (const word of r.search_text.split(" ")) if (inAfas.has(word)) caught.add(word);
    }
    return { accepted, caught, afasOrders, dbPath };
  }

  /**
   * Starts a runner on `dir` again and waits until its jobs drained; AFAS must hold no order twice.
   * `check` then gets the store and AFAS's orders by number.
   */
  async function restartAndDrain(
    killed: { dir: string; env: Record<string, string>; port: number; afasOrders: () => { ExternalNumber?: unknown }[]; dbPath: string },
    check: (db: Database.Database, perNumber: Map<string, number>) => void,
  ): Promise<void> {
    const runner = await startRunnerProcess(killed.dir, killed.env, killed.port);
    const db = new Database(killed.dbPath, { readonly: true });
    try {
      await waitFor(
        () => (db.prepare("select count(*) as n from jobs").get() as { n: number }).n === 0,
        120_000,
        () => `jobs did not drain:\n${runner.output()}`,
      );
      const perNumber = new Map<string, number>();
      for (const o of killed.afasOrders()) perNumber.set(String(o.ExternalNumber), (perNumber.get(String(o.ExternalNumber)) ?? 0) + 1);
      expect([...perNumber].filter(([, n]) => n > 1)).toEqual([]);
      check(db, perNumber);
    } finally {
      db.close();
      runner.child.kill("SIGKILL");
    }
  }

  it("a kill between AFAS's answer and the run's record commit re-runs the job without a second AFAS order", async () => {
    const dir = scratchProject({ lostAnswerWait: "1m" });
    const port = await freePort();
    const env = { ...sims.env, KOPPEL_LEASE_MS: "5000" };
    const killed = await killBetweenAnswerAndRecord(dir, env, port, "REC");
    expect(killed.caught.size).toBeGreaterThan(0);
    await restartAndDrain({ dir, env, port, ...killed }, (db, perNumber) => {
      expect([...killed.accepted].filter((n) => perNumber.get(n) !== 1)).toEqual([]);
      expect((db.prepare("select count(*) as n from runs where status = 'failed' and trigger_kind = 'webhook'").get() as { n: number }).n).toBe(0);
    });
  }, 240_000);

  it("the same kill on an insert with no find before it (a journal entry, say): the re-leased run stops for the operator, AFAS holds it once", async () => {
    const dir = scratchProject();
    // The order flow without its `existing` find: nothing in the flow can tell that AFAS made the order.
    rmSync(join(dir, "mappings/orders/aspos-order-to-afas.test.yaml"));
    writeFileSync(join(dir, "mappings/orders/aspos-order-to-afas.flow.yaml"), `flow: aspos-order-to-afas
trigger:
  webhook: { source: aspos, events: [order.created] }
input:
  select: data.object
run: { key: number, maxAttempts: 8 }
steps:
  - id: order
    send: afas.FbSales
    op: insert
    fields: { DbId: "'20045'", RfCs: number, OrDa: $localDate(createdAt), Unit: $settings.administrationId }
`);
    const port = await freePort();
    const env = { ...sims.env, KOPPEL_LEASE_MS: "5000" };
    const killed = await killBetweenAnswerAndRecord(dir, env, port, "BOOK");
    expect(killed.caught.size).toBeGreaterThan(0);
    await restartAndDrain({ dir, env, port, ...killed }, (db, perNumber) => {
      const failed = db.prepare("select search_text, error from runs where status = 'failed' and trigger_kind = 'webhook'").all() as { search_text: string; error: string }[];
      const stopped = new Set(failed.flatMap((r) => r.search_text.split(" ")).filter((w) => w.startsWith("BOOK-")));
      // Each run caught in the window waits for the operator instead of booking again, and says why.
      expect([...killed.caught].filter((n) => !stopped.has(n))).toEqual([]);
      for (const r of failed) expect(JSON.parse(r.error)).toMatchObject({ code: "UPSTREAM_UNCERTAIN", message: expect.stringContaining("the runner stopped before storing it") });
      // Nothing accepted is lost: it is in AFAS, or its run is on the failed list to look up.
      expect([...killed.accepted].filter((n) => perNumber.get(n) !== 1 && !stopped.has(n))).toEqual([]);
    });
  }, 240_000);
});
