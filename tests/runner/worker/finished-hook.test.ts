import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { FinishedRun } from "../../../runner/worker/process.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

const v1 = writeProject({ "order-to-afas": orderFlow("v1", 2) });
const unavailable = () => new UpstreamError("UPSTREAM_UNAVAILABLE", "AFAS is in maintenance", { connection: "afas", status: 503 });

/** The hook shadow runs start from: once per run, after its final attempt is recorded. */
describe.each(backends())("the worker's finished-run hook on $name", (backend) => {
  let world: World;
  let finished: FinishedRun[];
  const open = async () => {
    world = await new World(backend).open(version("sha-1", v1));
    finished = [];
    return world.worker({ random: () => 0, onFinished: (run) => finished.push(run) });
  };
  afterEach(() => world.close());

  it("is not called for an attempt that will be retried, then once with the final attempt as it ran", async () => {
    const worker = await open();
    const { runIds, eventId } = await world.accept(orderEvent("1001"));
    let calls = 0;
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder" && ++calls === 1) throw unavailable();
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    expect(await worker.runOnce()).toMatchObject([{ disposition: "retry" }]);
    expect(finished).toEqual([]);
    world.clock.advance(24 * 3_600_000);
    const startedAt = world.clock.now();
    expect(await worker.runOnce()).toMatchObject([{ disposition: "done" }]);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ job: { runId: runIds[0], eventId, attempts: 2, payload: orderEvent("1001") }, version: { sha: "sha-1" }, startedAt });
    expect(finished[0]!.result).toMatchObject({ outcome: "done", effects: [{ step: "debtor" }, { step: "order", payload: { OrNu: "1001" } }] });
    // In memory as it ran, not as the log keeps it: the ledger's answer for the debtor, the customer's address whole.
    expect(finished[0]!.result.trace.find((t) => t.step === "debtor")).toMatchObject({ fromLedger: true, request: { EmAd: "klant-1001@example.nl" } });
  });

  it("is called for skipped runs and for runs failed for good", async () => {
    const worker = await open();
    world.afas.onFind = () => [{ ExternalNumber: "1001" }];
    await world.accept(orderEvent("1001"));
    await worker.runOnce();
    world.afas.onFind = () => [];
    world.afas.onSend = () => {
      throw new UpstreamError("UPSTREAM_REJECTED", "no", { connection: "afas", status: 400 });
    };
    await world.accept(orderEvent("1002"));
    await worker.runOnce();
    expect(finished.map((f) => [f.job.flow, f.result.outcome])).toEqual([["order-to-afas", "skipped"], ["order-to-afas", "failed"]]);
  });
});
