import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { RunRecord } from "../../../runner/run-record.ts";
import { registryReplayDeps, replayRun } from "../../../runner/worker/replay.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, version, World, writeProject } from "./harness.ts";

/** A journal entry or direct invoice: nothing in AFAS can be looked up before writing it again. */
const invoiceFlow = `flow: invoice
trigger:
  webhook: { source: aspos, events: [order.created, order.paid, order.updated] }
input:
  select: "data.object"
run: { key: number, maxAttempts: 3 }
steps:
  - id: invoice
    send: afas.TestOrder
    op: insert
    once: number
    fields: { OrNu: number }
`;

describe.each(backends())("a send made once per order (once) on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());

  it("reaches AFAS once, whichever later event of the order runs the flow, also after run retention deleted the first run", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ invoice: invoiceFlow })));
    const first = await world.accept(orderEvent("1001", { type: "order.created" }));
    expect(await world.worker().runOnce()).toMatchObject([{ runId: first.runIds[0], disposition: "done" }]);
    const paid = await world.accept(orderEvent("1001", { type: "order.paid" }));
    expect(await world.worker().runOnce()).toMatchObject([{ runId: paid.runIds[0], disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    const steps = ((await world.store.getRun(paid.runIds[0]!))!.trace as RunRecord).steps;
    expect(steps.find((s) => s.step === "invoice")).toMatchObject({ fromLedger: true, result: { OrNu: "1001" } });

    // Retention deletes the runs and their events, not what was sent once.
    world.clock.advance(90 * 86_400_000);
    expect(await world.store.purgeRuns(world.clock.now())).toMatchObject({ runs: 2, ledger: 0 });
    const later = await world.accept(orderEvent("1001", { type: "order.updated" }));
    expect(await world.worker().runOnce()).toMatchObject([{ runId: later.runIds[0], disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);

    // Another order is its own key.
    await world.accept(orderEvent("1002", { type: "order.paid" }));
    await world.worker().runOnce();
    expect(world.afas.sent("TestOrder").map((s) => s.payload.OrNu)).toEqual(["1001", "1002"]);
  });

  it("a send whose answer was lost is not sent by a later event of the order; the operator's replay of that run sends it", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ invoice: invoiceFlow })));
    let lose = true;
    world.afas.onSend = (req) => {
      if (lose) throw new UpstreamError("UPSTREAM_UNCERTAIN", "AFAS may have carried out insert TestOrder: no answer in time", { connection: "afas" });
      return { OrNu: req.payload.OrNu };
    };
    const paid = await world.accept(orderEvent("1001", { type: "order.paid" }));
    expect(await world.worker().runOnce()).toMatchObject([{ runId: paid.runIds[0], disposition: "failed", error: { code: "UPSTREAM_UNCERTAIN" } }]);
    lose = false;
    // A poll or order.updated brings the order again: AFAS may hold the invoice, so nothing goes out.
    const later = await world.accept(orderEvent("1001", { type: "order.updated" }));
    expect(await world.worker().runOnce()).toMatchObject([{ runId: later.runIds[0], disposition: "failed", error: { code: "UPSTREAM_UNCERTAIN" } }]);
    const refused = await world.store.getRun(later.runIds[0]!);
    expect(refused?.error?.message).toMatch(new RegExp(`run ${paid.runIds[0]} sent this TestOrder .* no answer was recorded.*replay run ${paid.runIds[0]}`));
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    // The operator looked in AFAS, found nothing, and replays the run that lost the answer: it sends.
    const replay = await replayRun(registryReplayDeps(world.store, world.queue, world.versions, world.clock.now), paid.runIds[0]!, { current: false });
    expect(await world.worker().runOnce()).toMatchObject([{ runId: replay.runId, disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
    // And from then on the order is known as sent.
    await world.accept(orderEvent("1001", { type: "order.updated", id: "evt_1001_again" }));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
  });
});
