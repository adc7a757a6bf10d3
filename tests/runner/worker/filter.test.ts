import { afterEach, describe, expect, it } from "vitest";
import { registryReplayDeps, replayRun } from "../../../runner/worker/replay.ts";
import { backends } from "../store/backends.ts";
import { version, World, writeProject } from "./harness.ts";

/** A stock flow whose filter throws on a non-numeric number ($number of "ABC-1"). */
const stockFlow = (filter: string) => `flow: stock-sync
trigger:
  webhook: { source: aspos, filter: "${filter}" }
input: { select: data.object }
steps:
  - id: stock
    send: afas.TestOrder
    op: insert
    fields: { OrNu: number, Qty: delta }
`;
const throwing = writeProject({ "stock-sync": stockFlow("data.reason = 'Sale' and $number(data.object.number) > 0") });
const fixed = writeProject({ "stock-sync": stockFlow("data.reason = 'Sale'") });
const stock = (id: string, number: string, reason = "Sale") => ({ id, type: "stock.changed", data: { reason, object: { number, delta: -2 } } });

describe.each(backends())("a flow's webhook filter in the run, on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());
  const replay = (runId: string, current: boolean) =>
    replayRun(registryReplayDeps(world.store, world.queue, world.versions, world.clock.now), runId, { current });

  it("an event whose filter fails to evaluate is run, fails with the expression's error, and runs after the fix", async () => {
    world = await new World(backend).open(version("sha-1", throwing));
    world.afas.onSend = (req) => ({ OrNu: req.payload.OrNu });
    const { runIds } = await world.accept(stock("e1", "ABC-601826"));
    expect(runIds).toHaveLength(1);

    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "failed", attempts: 1 }]);
    const failed = await world.store.getRun(runIds[0]!);
    expect(failed).toMatchObject({ status: "failed", error: { code: "EXPR_RUNTIME", message: expect.stringMatching(/^flows\/stock-sync\.flow\.yaml:3:\d+ .*\$number/) } });
    expect(world.afas.sent("TestOrder")).toEqual([]);

    world.versions.activate(version("sha-2", fixed));
    const replayed = await replay(runIds[0]!, true);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: replayed.runId, disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toEqual([expect.objectContaining({ payload: { OrNu: "ABC-601826", Qty: -2 } })]);
  });

  it("the filter is over webhook bodies: a polled record from the same source runs without it", async () => {
    world = await new World(backend).open(version("sha-1", fixed));
    world.afas.onSend = (req) => ({ OrNu: req.payload.OrNu });
    // A poll's record has no `data.reason`: the webhook filter would refuse it.
    await world.store.enqueuePolled("stock", "c1", [
      { source: "aspos", dedupKey: "poll:1", payload: { data: { object: { number: "601826", delta: 5 } } }, flowVersion: "sha-1", jobs: [{ flow: "stock-sync" }] },
    ]);
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
  });

  it("a run skips an event its flow's filter refuses, whichever way it was queued", async () => {
    world = await new World(backend).open(version("sha-1", fixed));
    world.afas.onSend = (req) => ({ OrNu: req.payload.OrNu });
    const { runIds } = await world.accept(stock("e2", "601826"));
    await world.worker().runOnce();
    expect(world.afas.sent("TestOrder")).toHaveLength(1);

    // The next version only takes returns: replaying the sale on it must not write again.
    world.versions.activate(version("sha-2", writeProject({ "stock-sync": stockFlow("data.reason = 'Return'") })));
    const replayed = await replay(runIds[0]!, true);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: replayed.runId, disposition: "skipped" }]);
    expect(await world.store.getRun(replayed.runId)).toMatchObject({ status: "skipped", trace: { reason: "the event does not pass the flow's webhook filter" } });
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
  });
});
