import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTempDatabase, type TempDatabase } from "../../../bench/support/postgres.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Backend } from "../store/backends.ts";
import { CuttableProxy } from "../store/cuttable-proxy.ts";
import { orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

/**
 * A replica whose PostgreSQL goes away for a moment in the middle of a run (a restart, a failover,
 * the network), reached through a relay the test cuts and heals.
 */
describe("a store outage during a run", () => {
  let db: TempDatabase;
  let proxy: CuttableProxy;
  let world: World;

  beforeEach(async () => {
    db = await createTempDatabase("koppel_outage");
    proxy = await CuttableProxy.open(db.url);
    const url = proxy.route(db.url);
    const backend: Backend = { name: "postgres via a relay", fresh: (clock) => openStore(url, { now: clock.now }), another: (clock) => openStore(url, { now: clock.now }) };
    world = await new World(backend).open(version("sha-1", writeProject({ "order-to-afas": orderFlow("v1", 3) })));
  });
  afterEach(async () => {
    proxy.heal();
    await world.close().catch(() => undefined);
    await proxy.close();
    await db.drop();
  });

  /** Cuts every connection to the store now and refuses new ones for `ms`. */
  function outage(ms: number): void {
    proxy.cut();
    setTimeout(() => proxy.heal(), ms);
  }

  it("hands the job back uncounted instead of failing the run as INTERNAL, and the next attempt finishes it", async () => {
    const { runIds } = await world.accept(orderEvent("1001"));
    // The debtor is made and its answer stored; then the store goes away before the order's send.
    world.afas.onFind = async () => {
      outage(300);
      return [];
    };
    const errors: unknown[] = [];
    const [first] = await world.worker({ onError: (e) => errors.push(e) }).runOnce();
    expect(first).toMatchObject({ disposition: "retry", error: { code: "STORE_UNREACHABLE" } });
    const waiting = await world.store.getRun(runIds[0]!);
    expect(waiting).toMatchObject({ status: "retrying", error: { code: "STORE_UNREACHABLE" } });
    // The attempt's trace is kept: it is what says the debtor was sent, to an attempt on another version.
    expect((waiting?.trace as { steps: { step: string; status: string }[] }).steps.slice(0, 2)).toMatchObject([{ step: "debtor", status: "ok" }, { step: "existing", status: "ok" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(0);

    world.afas.onFind = async () => [];
    world.clock.advance(6_000);
    const [second] = await world.worker({ onError: (e) => errors.push(e) }).runOnce();
    expect(second).toMatchObject({ disposition: "done", attempts: 1 });
    // The debtor's answer came from the ledger: made once.
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "done", attempts: 1 });
    expect(errors).toEqual([]);
  }, 30_000);

  it("counts the attempt when the store drops under the same job again at once, so a job that takes it down does not come back for ever", async () => {
    const { runIds } = await world.accept(orderEvent("1003"));
    world.afas.onFind = async () => {
      outage(300);
      return [];
    };
    const errors: unknown[] = [];
    const dispositions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [processed] = await world.worker({ onError: (e) => errors.push(e) }).runOnce();
      dispositions.push(`${processed?.disposition}/${processed?.attempts}`);
      await new Promise((r) => setTimeout(r, 400));
      world.clock.advance(3_600_000);
    }
    // Handed back uncounted once; then attempts 1, 2, 3 of the flow's 3, and failed.
    expect(dispositions).toEqual(["retry/1", "retry/1", "retry/2", "failed/3"]);
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "failed", error: { code: "STORE_UNREACHABLE" } });
  }, 30_000);

  it("keeps the run's answers through an outage at its settling transaction: no UPSTREAM_UNCERTAIN afterwards", async () => {
    const { runIds } = await world.accept(orderEvent("1002"));
    const answer = world.afas.onSend;
    world.afas.onSend = async (req) => {
      const result = await answer(req);
      // AFAS made the order and answered; the store is gone until after the run ends.
      if (req.object === "TestOrder") outage(1_000);
      return result;
    };
    const errors: unknown[] = [];
    const [processed] = await world.worker({ onError: (e) => errors.push(e) }).runOnce();
    expect(processed).toMatchObject({ disposition: "done" });
    expect(errors).toEqual([]);
    const run = await world.store.getRun(runIds[0]!);
    expect(run).toMatchObject({ status: "done" });
    const order = await world.store.ledgerGet(`${run!.eventId}:order-to-afas:order`);
    expect(order?.result).toEqual({ OrNu: "1002" });
  }, 30_000);
});
