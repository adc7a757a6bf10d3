import { afterEach, describe, expect, it, vi } from "vitest";
import { groupCommit } from "../../../runner/store/group-commit.ts";
import type { Worker, WorkerOptions } from "../../../runner/worker/worker.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";
import { backends } from "../store/backends.ts";
import { gate, orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

const v1 = writeProject({ "order-to-afas": orderFlow("v1") });

/**
 * The in-process hand-off as `koppel serve` wires it: a webhook reserves a worker slot, the group
 * commit leases the event's job to the worker in the accepting transaction, and the worker runs it
 * without a claim. Accepts wait for a slot while the worker is busy, up to their wait.
 */
describe.each(backends())("hand-off on $name", (backend) => {
  let world: World;
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop({ graceMs: 0 });
    worker = undefined;
    await world.close();
  });

  /** Every AFAS call waits until the returned gate opens. */
  function holdSends() {
    const held = gate();
    world.afas.onSend = async (req) => {
      await held.promise;
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    return held;
  }

  async function start(concurrency: number, overrides: Partial<WorkerOptions> = {}) {
    world = await new World(backend).open(version("sha-1", v1));
    const claims = vi.spyOn(world.queue, "claim");
    const started = new Set<string>();
    // No idle looks during a test: only a wake or a finishing run with a backlog claims.
    worker = world.worker({ concurrency, idleMs: 60_000, onClaimed: (jobs) => jobs.forEach((j) => started.add(j.runId)), ...overrides });
    worker.start();
    // The first look finds the table empty: from then on accepts may hand their jobs over.
    await vi.waitFor(() => expect(claims).toHaveBeenCalledTimes(1));
    await claims.mock.results[0]!.value;
    const commit = groupCommit(world.store, { handOff: worker });
    /** What runtime.ts does for a verified webhook. */
    const accept = async (number: string, waitMs = 60_000) => {
      const { event } = await toNewEvent(world.versions.current(), { source: "aspos", dedupKey: number, payload: orderEvent(number), headers: {}, receivedAt: world.clock.now() }, world.clock.now);
      const slots = await worker!.reserve(event.jobs.length, waitMs);
      const accepted = await commit.accept(event, slots);
      if ((accepted.leased?.length ?? 0) < accepted.runIds.length) worker!.wake(event.jobs.map((j) => j.runKey ?? null));
      return { ...accepted, slots };
    };
    const done = (runId: string) => vi.waitFor(async () => expect((await world.store.getRun(runId))?.status).toBe("done"), { timeout: 5_000 });
    return { claims, started, accept, done };
  }

  it("runs an accepted order from its accepting transaction, without a claim", async () => {
    const { claims, started, accept, done } = await start(4);
    const accepted = await accept("1001");
    expect(accepted.slots).toBe(1);
    expect(accepted.leased?.map((j) => j.runId)).toEqual(accepted.runIds);
    await done(accepted.runIds[0]!);
    expect(claims).toHaveBeenCalledTimes(1);
    expect(started).toEqual(new Set(accepted.runIds));
    expect(world.afas.sent("TestOrder").map((s) => s.payload.OrNu)).toEqual(["1001"]);
    expect(await world.store.getRun(accepted.runIds[0]!)).toMatchObject({ attempts: 1, input: { number: "1001" } });
    expect(await world.queue.depth()).toMatchObject({ total: 0 });
  });

  it("holds an accept while every slot is busy and hands its job over once one is free", async () => {
    const { claims, accept, done } = await start(1);
    const held = gate();
    world.afas.onSend = async (req) => {
      if (req.payload.OrNu === "1") {
        held.enter();
        await held.promise;
      }
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    const first = await accept("1");
    await held.entered;
    let answered = false;
    const second = accept("2").then((a) => ((answered = true), a));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Not accepted yet: nothing is stored for it, and its sender has no answer.
    expect(answered).toBe(false);
    expect((await world.store.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(first.runIds);
    held.open();
    const { slots, leased, runIds } = await second;
    expect(slots).toBe(1);
    expect(leased?.map((j) => j.runId)).toEqual(runIds);
    await done(runIds[0]!);
    expect(claims).toHaveBeenCalledTimes(1);
  });

  it("queues the event after the wait, and the worker claims it once there is room", async () => {
    const { claims, accept, done } = await start(1);
    const held = gate();
    world.afas.onSend = async (req) => {
      if (req.payload.OrNu === "1") await held.promise;
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    await accept("1");
    const late = await accept("2", 20);
    expect(late.slots).toBe(0);
    expect(late.leased).toBeUndefined();
    expect(await world.queue.depth()).toMatchObject({ ready: 1, leased: 1 });
    // With a job waiting in the table, a free slot goes to it, not to the next accept.
    held.open();
    await done(late.runIds[0]!);
    expect(claims.mock.calls.length).toBeGreaterThan(1);
    expect(world.afas.sent("TestOrder").map((s) => s.payload.OrNu)).toEqual(["1", "2"]);
  });

  it("never hands over a job that must wait behind one of its key", async () => {
    const { accept, done } = await start(4);
    const held = holdSends();
    const first = await accept("7");
    // The same order again (another event, same run.key): queued behind the first, not leased.
    const { event } = await toNewEvent(world.versions.current(), { source: "aspos", dedupKey: "7-paid", payload: orderEvent("7", { type: "order.paid" }), headers: {}, receivedAt: world.clock.now() }, world.clock.now);
    const slots = await worker!.reserve(1, 0);
    const again = await groupCommit(world.store, { handOff: worker! }).accept(event, slots);
    expect(slots).toBe(1);
    expect(again.leased).toBeUndefined();
    worker!.wake(event.jobs.map((j) => j.runKey ?? null));
    expect(await world.queue.depth()).toMatchObject({ blocked: 1, leased: 1 });
    held.open();
    // The first one's end wakes the worker for the one behind it: no idle look needed.
    await done(first.runIds[0]!);
    await done(again.runIds[0]!);
  });

  it("on stop, a waiting accept goes on without a slot, and stop waits for jobs being handed over", async () => {
    const { accept } = await start(1);
    const held = holdSends();
    await accept("1");
    const waiting = worker!.reserve(1, 60_000);
    const stopped = worker!.stop({ graceMs: 0 });
    expect(await waiting).toBe(0);
    held.open();
    await stopped;
    expect(await worker!.reserve(1, 60_000)).toBe(0);
    worker = undefined;
  });

  it("a paused worker (its clock is off) takes no hand-off and holds no sender", async () => {
    let paused = false;
    const { accept } = await start(4, { paused: () => paused });
    paused = true;
    // Answered at once: with a 60 s wait, a held sender would time the test out.
    const accepted = await accept("1", 60_000);
    expect(accepted.slots).toBe(0);
    expect(accepted.leased).toBeUndefined();
    expect(await world.queue.depth()).toMatchObject({ ready: 1, leased: 0 });
  });

  const event = async (number: string) =>
    (await toNewEvent(world.versions.current(), { source: "aspos", dedupKey: number, payload: orderEvent(number), headers: {}, receivedAt: world.clock.now() }, world.clock.now)).event;

  it("never runs more than its concurrency: a claim leaves the slots accepts hold alone", async () => {
    const { claims } = await start(1, { idleMs: 10 });
    const held = holdSends();
    // An accept holds the only slot while its transaction commits; meanwhile a job waits ready
    // (a due retry, a poll) and idle looks come by.
    try {
      const slots = await worker!.reserve(1, 60_000);
      expect(slots).toBe(1);
      await world.store.acceptEvents([await event("queued")]);
      // Ten idle looks' time: each finds no free slot, so none claims the queued job.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const accepted = await groupCommit(world.store, { handOff: worker! }).accept(await event("handed"), slots);
      expect(accepted.leased).toHaveLength(1);
      expect(worker!.inFlight).toBe(1);
      expect(await world.queue.depth()).toMatchObject({ ready: 1, leased: 1 });
      expect(claims).toHaveBeenCalledTimes(1);
    } finally {
      held.open();
    }
  });

  it("slots an accept gives back unused (a duplicate) wake a worker parked for them", async () => {
    await start(1, { idleMs: 60_000 });
    const slots = await worker!.reserve(1, 60_000);
    expect(slots).toBe(1);
    // A poll queues a job while the only slot is held: the worker cannot take it yet.
    await world.store.acceptEvents([await event("r1")]);
    worker!.wake();
    // The webhook holding the slot was a sender's retry of r1: nothing is leased, the slot comes back.
    const dup = await groupCommit(world.store, { handOff: worker! }).accept(await event("r1"), slots);
    expect(dup.duplicate).toBe(true);
    // With a 60 s idle look, only the given-back slot's wake can get r1 run within the test.
    await vi.waitFor(async () => expect(await world.queue.depth()).toMatchObject({ total: 0 }), { timeout: 5_000 });
    expect(await worker!.reserve(1, 60_000)).toBe(1);
    worker!.adopt(1, []);
  });

  it("a wake that came during a claim is looked at at once, so an idle worker holds no sender", async () => {
    const { claims } = await start(4, { idleMs: 60_000 });
    const claim = claims.getMockImplementation() ?? Object.getPrototypeOf(world.queue).claim;
    let n = 0;
    claims.mockImplementation(function (this: unknown, ...args) {
      // Another accept's queued job (or a poll) wakes the worker while this claim is under way.
      if (++n === 1) worker!.wake();
      return claim.apply(world.queue, args);
    });
    worker!.wake();
    // Answered without the 60 s idle look: a held sender would time the test out.
    expect(await worker!.reserve(1, 60_000)).toBe(1);
    worker!.adopt(1, []);
    expect(n).toBeGreaterThanOrEqual(2);
  });

  it("a claim's jobs keep their slots from the claim until they run: waiting accepts get only what is left", async () => {
    await start(2, { idleMs: 60_000 });
    let sending = 0;
    let most = 0;
    const held = gate();
    world.afas.onSend = async (req) => {
      most = Math.max(most, ++sending);
      await held.promise;
      sending--;
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    try {
      await world.store.acceptEvents([await event("queued")]);
      worker!.wake();
      const slots = await Promise.all([worker!.reserve(1, 200), worker!.reserve(1, 200)]);
      expect(slots.sort()).toEqual([0, 1]);
      const commit = groupCommit(world.store, { handOff: worker! });
      await Promise.all([commit.accept(await event("a"), slots[0]!), commit.accept(await event("b"), slots[1]!)]);
      await vi.waitFor(() => expect(sending).toBe(2));
      expect(worker!.inFlight).toBe(2);
      expect(most).toBe(2);
    } finally {
      held.open();
    }
  });

  it("stop waits for jobs an accept is leasing to it, and hands them back", async () => {
    await start(1, { idleMs: 60_000 });
    const slots = await worker!.reserve(1, 60_000);
    expect(slots).toBe(1);
    let stopped = false;
    const stopping = worker!.stop({ graceMs: 0 }).then(() => (stopped = true));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    const accepted = await groupCommit(world.store, { handOff: worker! }).accept(await event("late"), slots);
    expect(accepted.leased).toHaveLength(1);
    await stopping;
    worker = undefined;
    // Handed back uncounted before any upstream call: queued for whoever runs next.
    expect(world.afas.sends).toEqual([]);
    expect(await world.queue.depth()).toMatchObject({ ready: 1, leased: 0 });
    expect(await world.store.getRun(accepted.runIds[0]!)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("once a held accept waited its whole wait, the next ones are queued at once until the queue drains", async () => {
    await start(1, { idleMs: 60_000 });
    const held = holdSends();
    try {
      await groupCommit(world.store, { handOff: worker! }).accept(await event("busy"), await worker!.reserve(1, 60_000));
      await vi.waitFor(() => expect(worker!.inFlight).toBe(1));
      expect(await worker!.reserve(1, 20)).toBe(0);
      // Not held again: a 60 s wait would time the test out.
      expect(await worker!.reserve(1, 60_000)).toBe(0);
    } finally {
      held.open();
    }
  });

  it("slots a claim under way asked for are not handed to accepts meanwhile", async () => {
    const { claims } = await start(2, { idleMs: 60_000 });
    const held = holdSends();
    const claim = claims.getMockImplementation() ?? Object.getPrototypeOf(world.queue).claim;
    const paused = gate();
    let calls = 0;
    claims.mockImplementation(async function (this: unknown, ...args) {
      // The second claim (the loop looking again after a short one) waits while an accept comes.
      if (++calls === 2) {
        paused.enter();
        await paused.promise;
      }
      return claim.apply(world.queue, args);
    });
    try {
      await world.store.acceptEvents([await event("first")]);
      worker!.wake();
      await paused.entered;
      // One job runs, one slot is free: the claim under way asked for it, so this accept gets none.
      expect(worker!.inFlight).toBe(1);
      expect(await worker!.reserve(1, 0)).toBe(0);
    } finally {
      paused.open();
      held.open();
    }
  });

  it("closing the intake (the runner is stopping) answers waiting accepts at once, and later ones too", async () => {
    const { accept } = await start(1, { idleMs: 60_000 });
    const held = holdSends();
    try {
      await accept("1");
      await vi.waitFor(() => expect(worker!.inFlight).toBe(1));
      const waiting = worker!.reserve(1, 60_000);
      worker!.closeIntake();
      // Both without their 60 s wait: a held sender would time the test out.
      expect(await waiting).toBe(0);
      expect(await worker!.reserve(1, 60_000)).toBe(0);
    } finally {
      held.open();
    }
  });
});
