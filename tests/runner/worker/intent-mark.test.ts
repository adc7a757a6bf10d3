import { afterEach, describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { JobQueue } from "../../../runner/queue/types.ts";
import { registryReplayDeps, replayRun } from "../../../runner/worker/replay.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, version, World, writeProject } from "./harness.ts";

/** A stock mutation or journal entry: keyed by the event, nothing to look up before writing it again. */
const bookingFlow = `flow: booking
trigger:
  webhook: { source: aspos, events: [order.created] }
input:
  select: "data.object"
run: { key: number, maxAttempts: 3 }
steps:
  - id: booking
    send: afas.TestOrder
    op: insert
    fields: { OrNu: number }
`;

/** The same insert in a flow that looks the order up first and says so (onLostAnswer). */
const checkedFlow = bookingFlow
  .replace("steps:\n", `steps:
  - id: existing
    find: afas.Koppel_SalesOrders
    where: { ExternalNumber: number }
  - skip: $count($steps.existing) > 0
    reason: "'already there'"
`)
  .replace("    op: insert\n", "    op: insert\n    onLostAnswer: { checkedBy: existing }\n");

/** The queue of a runner killed by kill -9 once its run ended: the run's record never commits. */
function killedBeforeRecord(queue: JobQueue): JobQueue {
  return new Proxy(queue, {
    get(target, prop) {
      if (prop === "complete") return () => new Promise<never>(() => {});
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe.each(backends())("an AFAS insert between its answer and the run's record on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());

  /** Runs the order's job on a runner that dies after AFAS answered, then lets its lease run out. */
  async function crashAfterAnswer(): Promise<string> {
    const accepted = await world.accept(orderEvent("1001"));
    const dead = world.worker({ queue: killedBeforeRecord(world.queue), workerId: "dead", onError: () => {} });
    void dead.runOnce();
    await vi.waitFor(() => expect(world.afas.sent("TestOrder")).toHaveLength(1), { timeout: 10_000 });
    world.clock.advance(31_000);
    return accepted.runIds[0]!;
  }

  it("is marked in the ledger before it leaves, so the re-leased job stops instead of booking it again; a replay sends it", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ booking: bookingFlow })));
    const atSend: unknown[] = [];
    world.afas.onSend = async (req) => {
      atSend.push((await world.store.ledgerGet(req.idempotencyKey))?.result);
      return { OrNu: req.payload.OrNu };
    };
    const runId = await crashAfterAnswer();
    expect(atSend).toEqual([{ uncertain: true, runId, lease: expect.any(String) }]);

    expect(await world.worker({ workerId: "w2" }).runOnce()).toMatchObject([{ runId, disposition: "failed", error: { code: "UPSTREAM_UNCERTAIN" } }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    expect((await world.store.getRun(runId))?.error?.message).toMatch(new RegExp(`run ${runId} sent this TestOrder .*the runner stopped before storing it.*replay run ${runId}`));

    // The operator looked in AFAS and found nothing: the replay sends, and its answer replaces the mark.
    const replay = await replayRun(registryReplayDeps(world.store, world.queue, world.versions, world.clock.now), runId, { current: false });
    expect(await world.worker().runOnce()).toMatchObject([{ runId: replay.runId, disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
    const [key] = world.afas.sent("TestOrder").map((s) => s.idempotencyKey);
    expect((await world.store.ledgerGet(key!))?.result).toEqual({ OrNu: "1001" });
  });

  it("a refused insert takes its mark back, so the run's retry sends it", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ booking: bookingFlow })));
    let refuse = true;
    world.afas.onSend = (req) => {
      if (refuse) throw new UpstreamError("UPSTREAM_RATE_LIMITED", "AFAS asks to slow down", { connection: "afas", status: 429 });
      return { OrNu: req.payload.OrNu };
    };
    const accepted = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "retry" }]);
    const key = world.afas.sent("TestOrder")[0]!.idempotencyKey;
    expect(await world.store.ledgerGet(key)).toBeNull();
    refuse = false;
    world.clock.advance(3_600_000);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: accepted.runIds[0], disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
  });

  it("a lost answer leaves the mark: the run fails for the operator and nothing is sent twice", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ booking: bookingFlow })));
    world.afas.onSend = () => {
      throw new UpstreamError("UPSTREAM_UNCERTAIN", "AFAS may have carried out insert TestOrder: no answer in time", { connection: "afas" });
    };
    const accepted = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "failed", error: { code: "UPSTREAM_UNCERTAIN" } }]);
    const key = world.afas.sent("TestOrder")[0]!.idempotencyKey;
    expect((await world.store.ledgerGet(key))?.result).toEqual({ uncertain: true, runId: accepted.runIds[0], lease: expect.any(String) });
  });

  it("when the flow looks the record up first, the same run sends again only after onLostAnswer's wait: the crashed insert may still be under way", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ booking: checkedFlow })));
    const atSend: unknown[] = [];
    world.afas.onSend = async (req) => {
      atSend.push((await world.store.ledgerGet(req.idempotencyKey))?.result ?? null);
      return { OrNu: req.payload.OrNu };
    };
    const runId = await crashAfterAnswer();
    expect(atSend).toEqual([{ uncertain: true, runId, lease: expect.any(String) }]);
    // A minute after the crash: the find sees nothing yet, and the run waits out the rest of the 20 minutes.
    // The backoff's jitter at its top (0.99 of a 12-minute ceiling for the second attempt) must not apply.
    const early = await world.worker({ workerId: "w2", random: () => 0.99 }).runOnce();
    expect(early).toMatchObject([{ runId, disposition: "retry", error: { code: "UPSTREAM_UNCERTAIN_RETRY" } }]);
    // At the end of the wait, not later: the backoff's jitter does not apply to a wait of Koppel's own.
    const marked = (await world.store.ledgerGet(world.afas.sent("TestOrder")[0]!.idempotencyKey))!.createdAt!;
    expect(early[0]!.retryAt).toBe(marked + 20 * 60_000);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    // After it, the fake AFAS still finds nothing (the first insert never arrived): the run inserts.
    world.clock.advance(20 * 60_000);
    expect(await world.worker({ workerId: "w3" }).runOnce()).toMatchObject([{ runId, disposition: "done" }]);
    expect(world.afas.finds).toHaveLength(3);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
  });

  it("retention leaves marks alone, so an insert refused meanwhile is still sent by its retry", async () => {
    world = await new World(backend).open(version("sha-1", writeProject({ booking: bookingFlow })));
    let refuse = true;
    world.afas.onSend = async (req) => {
      if (refuse) {
        // A retention pass with retention.payloads and runs at 0h lands while the insert is at AFAS.
        await world.store.purgePayloads(world.clock.now() + 1);
        await world.store.purgeRuns(world.clock.now() + 1);
        expect((await world.store.ledgerGet(req.idempotencyKey))?.result).toMatchObject({ uncertain: true });
        throw new UpstreamError("UPSTREAM_RATE_LIMITED", "AFAS asks to slow down", { connection: "afas", status: 429 });
      }
      return { OrNu: req.payload.OrNu };
    };
    const accepted = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "retry" }]);
    refuse = false;
    world.clock.advance(3_600_000);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: accepted.runIds[0], disposition: "done" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
  });

  it("a run does not take over another run's mark: two orders sharing one once-key while the first is at AFAS send it once", async () => {
    const daily = bookingFlow.replace("    op: insert\n", "    op: insert\n    once: \"'2026-01-01'\"\n");
    world = await new World(backend).open(version("sha-1", writeProject({ booking: daily })));
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    world.afas.onSend = async (req) => {
      if (world.afas.sends.length === 1) await slow;
      return { OrNu: req.payload.OrNu };
    };
    await world.accept(orderEvent("1001"));
    await world.accept(orderEvent("1002"));
    // The first insert stays at AFAS until the other run has ended.
    const results = await world.worker({ onProcessed: (p) => p.disposition !== "done" && release() }).runOnce();
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    const sent = results.filter((r) => r.disposition === "done");
    const held = results.filter((r) => r.disposition !== "done");
    expect(sent).toHaveLength(1);
    expect(held).toMatchObject([{ disposition: "failed", error: { code: "UPSTREAM_UNCERTAIN" } }]);
    expect(held[0]!.error?.message).toContain(`or run ${sent[0]!.runId} is still sending it`);
  });
});
