import { afterEach, describe, expect, it, vi } from "vitest";
import { Semaphore } from "../../../runner/connectors/http/semaphore.ts";
import type { ProcessedJob } from "../../../runner/worker/worker.ts";
import { createVersionRegistry } from "../../../runner/versions.ts";
import type { RunRecord } from "../../../runner/run-record.ts";
import type { RunParts } from "../../../runner/privacy/redact.ts";
import { backends } from "../store/backends.ts";
import { gate, orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

const v1 = writeProject({ "order-to-afas": orderFlow("v1") });
const v2 = writeProject({ "order-to-afas": orderFlow("v2") });

describe.each(backends())("worker lifecycle on $name", (backend) => {
  let world: World;
  const open = async () => (world = await new World(backend).open(version("sha-1", v1)));
  afterEach(() => world.close());

  it("runs on the current version when the recorded one is no longer loaded, and records both", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001"));
    // A restarted runner holds only what it loaded: the event's version is gone.
    world.versions = createVersionRegistry(version("sha-2", v2));

    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "done", version: "sha-2" }]);
    expect(world.afas.sent("TestOrder")[0]!.payload).toMatchObject({ Tag: "v2" });
    const run = await world.store.getRun(runIds[0]!);
    expect(run).toMatchObject({ status: "done", version: "sha-2" });
    expect((run!.trace as RunRecord).requestedVersion).toBe("sha-1");
  });

  it("fails a job whose flow the version does not have", async () => {
    await open();
    const { eventId } = await world.accept(orderEvent("1001"));
    const [created] = await world.queue.enqueue([{ eventId, flow: "gone-flow" }]);
    const processed = await world.worker().runOnce();
    expect(processed.find((p) => p.runId === created!.runId)).toMatchObject({ disposition: "failed", error: { code: "UNKNOWN_FLOW" } });
    expect(await world.store.getRun(created!.runId)).toMatchObject({ status: "failed", error: { code: "UNKNOWN_FLOW" } });
  });

  it("hands back a job for a flow only the version that accepted it has, while this replica has not loaded that version", async () => {
    await open();
    const v3 = writeProject({ "order-to-afas": orderFlow("v3"), "new-flow": orderFlow("new").replace("flow: order-to-afas", "flow: new-flow") });
    // Another replica reloaded first and routed the event to a flow it has and this one does not.
    const { eventId } = await world.accept(orderEvent("1001"));
    const [created] = await world.queue.enqueue([{ eventId, flow: "new-flow", version: "sha-3" }]);
    const [handedBack] = (await world.worker().runOnce()).filter((p) => p.runId === created!.runId);
    expect(handedBack).toMatchObject({ disposition: "retry", error: { code: "UNKNOWN_FLOW", message: expect.stringContaining("version sha-3 that accepted the event is not loaded here (yet)") } });
    expect(handedBack!.retryAt! - world.clock.now()).toBe(15_000);
    expect(await world.store.getRun(created!.runId)).toMatchObject({ status: "retrying" });
    world.clock.advance(15_000);
    expect((await world.worker().runOnce()).filter((p) => p.runId === created!.runId)).toMatchObject([{ disposition: "retry" }]);

    // After this replica's reload it runs, on the version that accepted it, with its whole retry budget.
    world.versions = createVersionRegistry(version("sha-3", v3));
    world.clock.advance(15_000);
    expect((await world.worker().runOnce()).filter((p) => p.runId === created!.runId)).toMatchObject([{ disposition: "done", version: "sha-3", attempts: 1 }]);
  });

  it("fails such a job once the hand-back window is over and no replica took it", async () => {
    await open();
    const { eventId } = await world.accept(orderEvent("1001"));
    const [created] = await world.queue.enqueue([{ eventId, flow: "new-flow", version: "sha-3" }]);
    expect((await world.worker().runOnce()).filter((p) => p.runId === created!.runId)).toMatchObject([{ disposition: "retry" }]);
    world.clock.advance(10 * 60_000);
    expect((await world.worker().runOnce()).filter((p) => p.runId === created!.runId)).toMatchObject([{ disposition: "failed", error: { code: "UNKNOWN_FLOW" } }]);
  });

  it("keeps the lease of a long run so no other worker takes the job", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001"));
    let stolen: unknown;
    world.afas.onFind = () => {
      world.clock.advance(20_000); // a slow GetConnector: two thirds of the lease gone
      return [];
    };
    world.afas.onSend = async (req) => {
      if (req.object === "TestOrder") {
        world.clock.advance(15_000); // past the original lease end
        stolen = await world.queue.claim("other", 30_000, 10);
      }
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    expect(await world.worker().runOnce()).toMatchObject([{ runId: runIds[0], disposition: "done", attempts: 1 }]);
    expect(stolen).toEqual([]);
  });

  it("on stop, lets the call under way finish, runs nothing further and hands the job back uncounted", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001"));
    const slow = gate();
    world.afas.onFind = async () => {
      slow.enter();
      await slow.promise;
      return [];
    };
    const worker = world.worker();
    const batch = worker.runOnce();
    await slow.entered;
    const stopped = worker.stop({ graceMs: 0 });
    slow.open();
    await stopped;
    expect(await batch).toMatchObject([{ disposition: "released" }]);
    expect(world.afas.sent("TestOrder")).toEqual([]);
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "queued", attempts: 0 });

    world.afas.onFind = () => [];
    expect(await world.worker({ workerId: "w2" }).runOnce()).toMatchObject([{ disposition: "done", attempts: 1 }]);
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
  });

  it("on stop, a run still waiting for a connection slot gives up its place at once and is handed back; the call under way finishes", async () => {
    await open();
    const first = await world.accept(orderEvent("1001"));
    const second = await world.accept(orderEvent("1002"));
    // One slot: whichever run reaches its find first holds it there; the other waits in line.
    const slot = new Semaphore(1);
    let inLine = 0;
    world.afas.gate = {
      run: (work, signal) => {
        inLine += 1;
        return slot.run(() => {
          inLine -= 1;
          return work();
        }, signal);
      },
    };
    const slow = gate();
    world.afas.onFind = async () => {
      slow.enter();
      await slow.promise;
      return [];
    };
    const processed: ProcessedJob[] = [];
    const worker = world.worker({ onProcessed: (p) => processed.push(p) });
    const batch = worker.runOnce();
    await slow.entered;
    await vi.waitFor(() => expect(inLine).toBe(1));
    const stopped = worker.stop({ graceMs: 0 });

    // Handed back while the other run's find is still under way, not once the slot came free.
    await vi.waitFor(() => expect(processed).toMatchObject([{ disposition: "released" }]));
    expect(world.afas.finds).toHaveLength(1);
    slow.open();
    await stopped;
    expect(await batch).toMatchObject([{ disposition: "released" }, { disposition: "released" }]);
    expect(world.afas.finds).toHaveLength(1);
    for (const { runIds } of [first, second]) expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("start() works the queue in the background until stop()", async () => {
    await open();
    const accepted = await Promise.all(["1001", "1002", "1003"].map((n) => world.accept(orderEvent(n))));
    const processed: string[] = [];
    const all = gate();
    const worker = world.worker({
      concurrency: 2,
      idleMs: 5,
      onProcessed: (p) => {
        processed.push(p.runId);
        if (processed.length === 3) all.open();
      },
    });
    worker.start();
    await all.promise;
    await worker.stop();
    expect(processed.sort()).toEqual(accepted.map((a) => a.runIds[0]).sort());
    expect(worker.inFlight).toBe(0);
  });

  it("once busy, claims again when a quarter of its slots are free, not after every finished job", async () => {
    await open();
    for (let n = 0; n < 12; n++) await world.accept(orderEvent(String(2000 + n)));
    const held: (() => void)[] = [];
    world.afas.onSend = async (req) => {
      if (req.object === "TestDebtor") await new Promise<void>((r) => held.push(r));
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    const limits: number[] = [];
    const queue = Object.create(world.queue, {
      claim: { value: (w: string, ms: number, limit: number) => (limits.push(limit), world.queue.claim(w, ms, limit)) },
    });
    let processed = 0;
    const worker = world.worker({ queue, concurrency: 8, idleMs: 5, onProcessed: () => processed++ });
    const until = async (done: () => boolean) => {
      while (!done()) await new Promise((r) => setTimeout(r, 2));
    };
    worker.start();
    await until(() => held.length === 8);
    expect(limits).toEqual([8]);
    held[0]!();
    await until(() => processed === 1);
    await new Promise((r) => setTimeout(r, 30));
    // One slot free of 8: the 7 runs in flight carry on; no claim yet.
    expect(limits).toEqual([8]);
    held[1]!();
    await until(() => limits.length === 2);
    expect(limits).toEqual([8, 2]);
    await until(() => held.length === 10);
    for (const release of held.splice(0)) release();
    const rest = setInterval(() => held.splice(0).forEach((release) => release()), 2);
    await until(() => processed === 12);
    clearInterval(rest);
    await worker.stop();
  });

  it("stores the run's input and trace through redact", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001", { email: "jan@example.nl" }));
    const mask = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replaceAll("jan@example.nl", "***"));
    await world.worker({ redact: Object.assign(mask, { run: (parts: RunParts) => mask(parts) as RunParts, text: (text: string) => text }) }).runOnce();
    const run = await world.store.getRun(runIds[0]!);
    expect(JSON.stringify([run!.input, run!.trace])).not.toContain("jan@example.nl");
    expect(run!.input).toMatchObject({ customer: { email: "***" } });
    expect(world.afas.sent("TestDebtor")[0]!.payload).toEqual({ EmAd: "jan@example.nl" });
  });
});
