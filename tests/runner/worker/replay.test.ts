import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import { bufferIO } from "../../../runner/cli/io.ts";
import { replayCommand } from "../../../runner/cli/replay.ts";
import { retryCommand } from "../../../runner/cli/retry.ts";
import { openQueue } from "../../../runner/queue/open.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { RunRecord } from "../../../runner/run-record.ts";
import { registryReplayDeps, replayRun, ReplayRefused } from "../../../runner/worker/replay.ts";
import { createVersionRegistry } from "../../../runner/versions.ts";
import { toNewEvent } from "../../../runner/ingest/accept.ts";
import { backends } from "../store/backends.ts";
import { orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

const v1 = writeProject({ "order-to-afas": orderFlow("v1") });
const v2 = writeProject({ "order-to-afas": orderFlow("v2") });

const rejectTag = (tag: string) => (req: { object: string; payload: Record<string, unknown> }) => {
  if (req.object === "TestOrder" && req.payload.Tag === tag) {
    throw new UpstreamError("UPSTREAM_REJECTED", "AFAS refused FbSales", { connection: "afas", status: 500, upstreamMessage: "Artikel onbekend" });
  }
  return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
};

describe.each(backends())("replay on $name", (backend) => {
  let world: World;
  afterEach(() => world.close());
  const replay = (runId: string, current = false) =>
    replayRun(registryReplayDeps(world.store, world.queue, world.versions, world.clock.now), runId, { current });

  it("replays a done run on its version as a linked run, answered from the ledger", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    const { runIds } = await world.accept(orderEvent("1001"));
    await world.worker().runOnce();
    world.versions.activate(version("sha-2", v2));

    const replayed = await replay(runIds[0]!);
    expect(replayed).toMatchObject({ replayOf: runIds[0], version: "sha-1", runKey: "1001" });
    expect(await world.store.getRun(replayed.runId)).toMatchObject({ status: "queued", replayOf: runIds[0], trigger: "replay", version: "sha-1", searchText: expect.stringContaining("1001") });

    expect(await world.worker().runOnce()).toMatchObject([{ runId: replayed.runId, disposition: "done", version: "sha-1" }]);
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    const steps = ((await world.store.getRun(replayed.runId))!.trace as RunRecord).steps;
    expect(steps.filter((s) => s.kind === "send").map((s) => s.fromLedger)).toEqual([true, true]);
  });

  it("replays a failed run on the version it ran, or with --current on the fixed one", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    world.afas.onSend = rejectTag("v1");
    const { runIds } = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "failed" }]);
    world.versions.activate(version("sha-2", v2));

    const same = await replay(runIds[0]!);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: same.runId, disposition: "failed", version: "sha-1" }]);

    const fixed = await replay(runIds[0]!, true);
    expect(fixed.version).toBe("sha-2");
    expect(await world.worker().runOnce()).toMatchObject([{ runId: fixed.runId, disposition: "done", version: "sha-2" }]);
    expect(await world.store.getRun(fixed.runId)).toMatchObject({ status: "done", replayOf: runIds[0], version: "sha-2" });
    // The debtor written by the first run is reused; only the order is written, by v2.
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder").map((s) => s.payload.Tag)).toEqual(["v1", "v1", "v2"]);
  });

  it("a send refused outright goes out under a new idempotency key when replayed, where the upstream keeps answers by key (AsPos)", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    world.afas.keepsAnswersByKey = true;
    world.afas.onSend = rejectTag("v1");
    const { runIds } = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "failed" }]);
    // The same version again: under the same key, AsPos would answer the stored refusal once more.
    world.afas.onSend = (req) => (req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu });
    const again = await replay(runIds[0]!);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: again.runId, disposition: "done" }]);
    const [refused, accepted] = world.afas.sent("TestOrder").map((s) => s.idempotencyKey);
    expect(accepted).toBe(`${refused}~1`);
    // The debtor the first run made is taken from the ledger, under its own key: not sent again.
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
  });

  it("with --current, refuses a run whose flow the active version no longer has, naming the flows it has", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    world.afas.onSend = rejectTag("v1");
    const { runIds } = await world.accept(orderEvent("1001"));
    await world.worker().runOnce();
    world.versions.activate(version("sha-3", writeProject({ "web-order-to-afas": orderFlow("v3").replace("flow: order-to-afas", "flow: web-order-to-afas") })));
    await expect(replay(runIds[0]!, true)).rejects.toThrow(new ReplayRefused("REPLAY_REFUSED",
      `flow order-to-afas of run ${runIds[0]} is not in the active version sha-3 (its flows: web-order-to-afas)`));
  });

  it("refuses a second replay of a run while its first is unfinished, also when both are asked at once; once it finished, another is fine", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    world.afas.onSend = rejectTag("v1");
    const { runIds } = await world.accept(orderEvent("1001"));
    await world.worker().runOnce();
    world.versions.activate(version("sha-2", v2));
    // Two tabs, two operators: both asked before either is queued. With --current both would write.
    const both = await Promise.allSettled([replay(runIds[0]!, true), replay(runIds[0]!, true)]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = both.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ReplayRefused);
    expect(refused.reason).toMatchObject({ code: "REPLAY_REFUSED", message: expect.stringMatching(/has a replay that has not finished \(run \S+\); a second one could write again/) });
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "done", version: "sha-2" }]);
    expect(world.afas.sent("TestOrder").map((s) => s.payload.Tag)).toEqual(["v1", "v2"]);
    await expect(replay(runIds[0]!, true)).resolves.toMatchObject({ replayOf: runIds[0] });
  });

  it("keeps a replay behind newer events of its run.key", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    const first = await world.accept(orderEvent("1001"));
    await world.worker().runOnce();
    const later = await world.accept(orderEvent("1001", { type: "order.paid" }));
    const replayed = await replay(first.runIds[0]!);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: later.runIds[0] }]);
    expect(await world.worker().runOnce()).toMatchObject([{ runId: replayed.runId }]);
  });

  it("refuses to replay as ran on a version the runner no longer holds, instead of quietly running the current one", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    const { runIds } = await world.accept(orderEvent("1001"));
    await world.worker().runOnce();
    // A restart on sha-2: sha-1 is not held any more.
    world.versions = createVersionRegistry(version("sha-2", v2));
    await expect(replay(runIds[0]!)).rejects.toMatchObject({ code: "REPLAY_REFUSED", message: expect.stringContaining("ran on version sha-1, which this runner no longer holds") });
    expect(await replay(runIds[0]!, true)).toMatchObject({ version: "sha-2" });
  });

  it("refuses runs that are not finished or do not exist", async () => {
    world = await new World(backend).open(version("sha-1", v1));
    const { runIds } = await world.accept(orderEvent("1001"));
    await expect(replay(runIds[0]!)).rejects.toThrow(new ReplayRefused("REPLAY_REFUSED", `run ${runIds[0]} is queued; only finished runs (done, skipped, failed) can be replayed`));
    await expect(replay(runIds[0]!)).rejects.toMatchObject({ code: "REPLAY_REFUSED", actor: "operator" });
    await expect(replay("no-such-run")).rejects.toThrow(ReplayRefused);
    await expect(replay("no-such-run")).rejects.toMatchObject({ code: "RUN_NOT_FOUND", actor: "operator" });
  });
});

describe("koppel replay", () => {
  it("queues a replay in the configured store and reports it; refuses with exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-replay-cli-"));
    try {
      const path = join(dir, "koppel.db");
      const store = await openStore(`sqlite:${path}`);
      const queue = await openQueue(store);
      const { runIds } = await store.acceptEvent(
        (await toNewEvent(version("sha-1", v1), { source: "aspos", dedupKey: "d", payload: orderEvent("1001"), headers: {}, receivedAt: 1 }, Date.now)).event,
      );
      const [job] = await queue.claim("w", 30_000, 1);
      await queue.complete(job!);
      await store.recordReload({ sha: "sha-2", ok: true, activated: true, errors: [] });

      const io = bufferIO();
      expect(await replayCommand([runIds[0]!, "--store", "sqlite:koppel.db", "--config", v1.configFile], io, dir)).toBe(0);
      expect(io.stdout()).toMatch(new RegExp(`^run \\S+ queued: replay of ${runIds[0]} on version sha-1\\n$`));
      // It cannot see which versions the runner holds, and says what happens when it does not hold this one.
      expect(io.stderr()).toContain("runs it on its active one");
      // After a rollback the run's own version is the reverted one: the way to the active one is named.
      expect(io.stderr()).toContain("note: a run was queued on the version it ran, not the active sha-2; to take a fix or a revert since then, replay with --current");
      // Another replay of the run waits until this one has finished.
      const early = bufferIO();
      expect(await replayCommand([runIds[0]!, "--current", `--store=sqlite:${path}`, "--config", v1.configFile], early, dir)).toBe(1);
      expect(early.stderr()).toMatch(/^koppel replay: REPLAY_REFUSED run \S+ has a replay that has not finished/);
      // --dry-run says so too, rather than promising a replay the real command refuses.
      const dry = bufferIO();
      expect(await replayCommand([runIds[0]!, "--dry-run", `--store=sqlite:${path}`, "--config", v1.configFile], dry, dir)).toBe(1);
      expect(dry.stdout()).toBe("0 would be queued, 1 refused (--dry-run: nothing queued)\n");
      expect(dry.stderr()).toMatch(/^koppel replay: REPLAY_REFUSED run \S+ has a replay that has not finished/);
      const [first] = await queue.claim("w", 30_000, 1);
      await queue.complete(first!);
      const current = bufferIO();
      expect(await replayCommand([runIds[0]!, "--current", `--store=sqlite:${path}`, "--config", v1.configFile], current, dir)).toBe(0);
      expect(current.stdout()).toContain("on version sha-2");
      const replays = (await store.listRuns()).filter((r) => r.replayOf === runIds[0]);
      expect(replays.map((r) => r.version).sort()).toEqual(["sha-1", "sha-2"]);
      const [again] = await queue.claim("w", 30_000, 1);
      // Stored within the flow's key scope (scopedKey), so it still waits behind newer events of order 1001.
      expect(again).toMatchObject({ runKey: `${again!.flow}\u001f1001` });
      await queue.complete(again!);

      const refused = bufferIO();
      expect(await replayCommand(["nope", "--store", "sqlite:koppel.db", "--config", v1.configFile], refused, dir)).toBe(1);
      expect(refused.stderr()).toBe("koppel replay: RUN_NOT_FOUND no run nope\n");
      const none = bufferIO();
      expect(await replayCommand([], none, dir)).toBe(2);
      expect(none.stderr()).toContain("name the runs to replay (their ids), or --failed");
      const twice = bufferIO();
      expect(await replayCommand([runIds[0]!, runIds[0]!, "--store", "sqlite:koppel.db", "--config", v1.configFile], twice, dir)).toBe(0);
      expect(twice.stdout().trim().split("\n")).toHaveLength(1);
      expect((await store.listRuns()).filter((r) => r.replayOf === runIds[0])).toHaveLength(3);
      // A mistyped --flow is a usage error, not "0 would be queued".
      const typo = bufferIO();
      expect(await replayCommand(["--failed", "--flow", "order-to-afsa", "--dry-run", "--store", "sqlite:koppel.db", "--config", v1.configFile], typo, dir)).toBe(2);
      expect(typo.stderr()).toContain('--flow: no flow named "order-to-afsa" in the mappings; did you mean order-to-afas?');
      await queue.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--failed replays the whole failed list with a progress line per run, skips runs replayed before; --dry-run queues nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-replay-bulk-"));
    try {
      const store = await openStore(`sqlite:${join(dir, "koppel.db")}`);
      const queue = await openQueue(store);
      for (const n of ["2001", "2002"]) {
        await store.acceptEvent((await toNewEvent(version("sha-1", v1), { source: "aspos", dedupKey: n, payload: orderEvent(n), headers: {}, receivedAt: 1 }, Date.now)).event);
      }
      for (const job of await queue.claim("w", 30_000, 5)) await queue.fail(job, { code: "UPSTREAM_REJECTED", message: "no" });
      const dry = bufferIO();
      expect(await replayCommand(["--failed", "--dry-run", "--store", "sqlite:koppel.db", "--config", v1.configFile], dry, dir)).toBe(0);
      expect(dry.stdout()).toMatch(/^run \S+ would be queued again\nrun \S+ would be queued again\n2 would be queued, 0 refused \(--dry-run: nothing queued\)\n$/);
      expect((await store.listRuns({ limit: 100 })).filter((r) => r.replayOf)).toHaveLength(0);
      // A run the replay would refuse is named, with exit 1: not promised as queued.
      const [failed] = (await store.listRuns({ limit: 100 })).filter((r) => r.status === "failed");
      const refusing = bufferIO();
      expect(await replayCommand([failed!.id, "nosuch", "--dry-run", "--store", "sqlite:koppel.db", "--config", v1.configFile], refusing, dir)).toBe(1);
      expect(refusing.stdout()).toBe(`run ${failed!.id} would be queued again\n1 would be queued, 1 refused (--dry-run: nothing queued)\n`);
      expect(refusing.stderr()).toBe("koppel replay: RUN_NOT_FOUND no run nosuch\n");

      const io = bufferIO();
      expect(await replayCommand(["--failed", "--store", "sqlite:koppel.db", "--config", v1.configFile], io, dir)).toBe(0);
      expect(io.stdout()).toMatch(/^\[1\/2\] run \S+ queued: replay of \S+ on version sha-1\n\[2\/2\] run \S+ queued: replay of \S+ on version sha-1\n2 queued, 0 refused\n$/);
      // The failed runs are still on the failed list, but each has its replay now: a second --failed queues nothing twice.
      const again = bufferIO();
      expect(await replayCommand(["--failed", "--store", "sqlite:koppel.db", "--config", v1.configFile], again, dir)).toBe(0);
      expect(again.stdout()).toMatch(/^run \S+ skipped: already replayed as \S+ \(queued\)\nrun \S+ skipped: already replayed as \S+ \(queued\)\n0 queued, 0 refused, 2 already replayed\n$/);
      expect((await store.listRuns({ limit: 100 })).filter((r) => r.replayOf)).toHaveLength(2);
      expect(await replayCommand(["--failed", "nope"], bufferIO(), dir)).toBe(2);
      await queue.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("koppel retry", () => {
  it("makes a run waiting for its next attempt due now, and refuses one that is not waiting with exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "koppel-retry-cli-"));
    try {
      const store = await openStore(`sqlite:${join(dir, "koppel.db")}`);
      const queue = await openQueue(store);
      const { runIds } = await store.acceptEvent(
        (await toNewEvent(version("sha-1", v1), { source: "aspos", dedupKey: "d", payload: orderEvent("1001"), headers: {}, receivedAt: 1 }, Date.now)).event,
      );
      const [job] = await queue.claim("w", 30_000, 1);
      await queue.retryLater(job!, Date.now() + 3_600_000, { code: "UPSTREAM_UNAVAILABLE", message: "AFAS is unavailable" });
      expect(await queue.claim("w", 30_000, 1)).toEqual([]);

      const io = bufferIO();
      expect(await retryCommand([runIds[0]!, "--store", "sqlite:koppel.db", "--config", v1.configFile], io, dir)).toBe(0);
      expect(io.stdout()).toBe(`run ${runIds[0]} is due now\n`);
      expect(await queue.claim("w", 30_000, 1)).toMatchObject([{ runId: runIds[0], attempts: 2 }]);

      const refused = bufferIO();
      expect(await retryCommand([runIds[0]!, "--store", "sqlite:koppel.db", "--config", v1.configFile], refused, dir)).toBe(1);
      expect(refused.stderr()).toMatch(/^koppel retry: RETRY_REFUSED run \S+ is running; only a run waiting to be retried can be retried now\n$/);
      expect(await retryCommand([], bufferIO(), dir)).toBe(2);
      await queue.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
