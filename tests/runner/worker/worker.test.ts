import { afterEach, describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../../../common/errors.ts";
import type { RunRecord } from "../../../runner/run-record.ts";
import { backends } from "../store/backends.ts";
import { gate, orderEvent, orderFlow, version, World, writeProject } from "./harness.ts";

const v1 = writeProject({ "order-to-afas": orderFlow("v1") });
const v2 = writeProject({ "order-to-afas": orderFlow("v2") });

const unavailable = (retryAfterMs?: number) =>
  new UpstreamError("UPSTREAM_UNAVAILABLE", "AFAS is in maintenance", { connection: "afas", status: 503, ...(retryAfterMs ? { retryAfterMs } : {}) });

describe.each(backends())("worker on $name", (backend) => {
  let world: World;
  const open = async () => (world = await new World(backend).open(version("sha-1", v1)));
  afterEach(() => world.close());

  it("runs a job to done on the version it was accepted under and records trace, effects and input", async () => {
    await open();
    const { eventId, runIds } = await world.accept(orderEvent("1001"));
    world.versions.activate(version("sha-2", v2));

    const [processed, ...rest] = await world.worker().runOnce();
    expect(rest).toEqual([]);
    expect(processed).toMatchObject({ runId: runIds[0], disposition: "done", attempts: 1, version: "sha-1" });

    expect(world.afas.sent("TestOrder")).toEqual([
      expect.objectContaining({ payload: { OrNu: "1001", DbId: "D-1", Tag: "v1" }, idempotencyKey: `${eventId}:order-to-afas:order` }),
    ]);
    const run = await world.store.getRun(runIds[0]!);
    expect(run).toMatchObject({ status: "done", version: "sha-1", attempts: 1, error: null, input: { number: "1001" } });
    const record = run!.trace as RunRecord;
    expect(record).toMatchObject({ outcome: "done", attempt: 1, effects: [{ step: "debtor" }, { step: "order", op: "insert" }] });
    expect(record.requestedVersion).toBeUndefined();
    expect(record.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(record.steps.find((s) => s.step === "order")).toMatchObject({ result: { OrNu: "1001" }, exchanges: [{ status: 201 }] });
  });

  it("records a skip as skipped, with the reason", async () => {
    await open();
    world.afas.onFind = () => [{ ExternalNumber: "1001" }];
    const { runIds } = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "skipped" }]);
    const run = await world.store.getRun(runIds[0]!);
    expect(run).toMatchObject({ status: "skipped", trace: { outcome: "skipped", reason: "order 1001 is already in AFAS" } });
    expect(world.afas.sent("TestOrder")).toEqual([]);
  });

  it("retries a retryable failure after the backoff, attempts visible, then succeeds", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001"));
    let calls = 0;
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder" && ++calls === 1) throw unavailable(120_000);
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    const worker = world.worker({ random: () => 0 });

    const [first] = await worker.runOnce();
    const due = world.clock.now() + 120_000; // jitter 0, so the upstream's Retry-After decides
    expect(first).toMatchObject({ disposition: "retry", attempts: 1, retryAt: due, error: { code: "UPSTREAM_UNAVAILABLE" } });
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({
      status: "retrying",
      attempts: 1,
      error: { code: "UPSTREAM_UNAVAILABLE", upstream: { status: 503, retryAfterMs: 120_000 } },
      trace: { outcome: "failed", retryAt: due },
    });

    world.clock.advance(119_999);
    expect(await worker.runOnce()).toEqual([]);
    world.clock.advance(1);
    expect(await worker.runOnce()).toMatchObject([{ disposition: "done", attempts: 2 }]);
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "done", attempts: 2, error: null });
    // The debtor written by the first attempt came from the ledger the second time.
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder")).toHaveLength(2);
    const steps = ((await world.store.getRun(runIds[0]!))!.trace as RunRecord).steps;
    expect(steps.find((s) => s.step === "debtor")).toMatchObject({ fromLedger: true, result: { DbId: "D-1" } });
  });

  it("fails for good once flow.run.maxAttempts is used up", async () => {
    await open();
    world.afas.onSend = () => {
      throw unavailable();
    };
    const { runIds } = await world.accept(orderEvent("1001"));
    const worker = world.worker({ random: () => 0.999 });
    const dispositions: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [p] = await worker.runOnce();
      dispositions.push(p!.disposition);
      world.clock.advance(24 * 3_600_000);
    }
    expect(dispositions).toEqual(["retry", "retry", "failed"]);
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "failed", attempts: 3, error: { code: "UPSTREAM_UNAVAILABLE" } });
  });

  it("fails a rejection at once and puts it on the failed list with AFAS's details", async () => {
    await open();
    const details = {
      connection: "afas",
      status: 500,
      upstreamMessage: "Het veld 'Debiteur' is verplicht.",
      errorNumber: -2146232832,
      reference: "{5D2F4A1B-LOG}",
      body: { externalMessage: "Het veld 'Debiteur' is verplicht.", profitLogReference: "{5D2F4A1B-LOG}" },
    };
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder") throw new UpstreamError("UPSTREAM_REJECTED", "AFAS refused FbSales", details);
      return { DbId: "D-1" };
    };
    const { runIds } = await world.accept(orderEvent("1001"));
    expect(await world.worker().runOnce()).toMatchObject([{ disposition: "failed", attempts: 1 }]);
    const failed = await world.store.failedRuns();
    expect(failed).toMatchObject([{ id: runIds[0], status: "failed", attempts: 1, error: { code: "UPSTREAM_REJECTED", message: "AFAS refused FbSales", upstream: details } }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
  });

  it("does not repeat a send that succeeded before a crash when the job is leased again", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001"));
    const hang = gate();
    world.afas.onFind = async () => {
      hang.enter();
      await hang.promise; // worker A "dies" here: the debtor is written, the order is not
      return [];
    };
    const crashed = world.worker({ workerId: "A" }).runOnce();
    await hang.entered;
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);

    world.afas.onFind = () => [];
    world.clock.advance(30_000); // A's lease runs out
    const [taken] = await world.worker({ workerId: "B" }).runOnce();
    expect(taken).toMatchObject({ runId: runIds[0], disposition: "done", attempts: 2 });
    expect(world.afas.sent("TestDebtor")).toHaveLength(1);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);

    // A wakes up: its lease is gone, so it stops before its next upstream call and records nothing.
    hang.open();
    expect(await crashed).toMatchObject([{ disposition: "lost" }]);
    expect(world.afas.sent("TestOrder")).toHaveLength(1);
    expect(await world.store.getRun(runIds[0]!)).toMatchObject({ status: "done", attempts: 2 });
  });

  it("reports a job that hung its worker three times as failed POISONED, once, and never runs it again", async () => {
    await open();
    const { runIds } = await world.accept(orderEvent("1001"));
    const hang = gate();
    world.afas.onFind = () => hang.promise.then(() => []); // every run hangs, as a crash would leave it
    const reported: unknown[] = [];
    const hung: Promise<unknown>[] = [];
    for (const workerId of ["A", "B", "C"]) {
      hung.push(world.worker({ workerId, onProcessed: (job) => reported.push(job) }).runOnce());
      await vi.waitFor(() => expect(world.afas.finds).toHaveLength(["A", "B", "C"].indexOf(workerId) + 1));
      world.clock.advance(30_000);
    }
    const processed = await world.worker({ workerId: "D", onProcessed: (job) => reported.push(job) }).runOnce();
    const poisoned = { runId: runIds[0], disposition: "failed", attempts: 3, error: expect.objectContaining({ code: "POISONED" }) };
    expect(processed).toEqual([expect.objectContaining(poisoned)]);
    expect(reported).toEqual([expect.objectContaining(poisoned)]);
    expect(await world.store.failedRuns()).toMatchObject([{ id: runIds[0], status: "failed", error: { code: "POISONED" } }]);
    expect(await world.worker({ workerId: "E" }).runOnce()).toEqual([]);
    expect(world.afas.finds).toHaveLength(3);
    hang.open();
    // Woken up, each finds its lease gone and records nothing.
    expect((await Promise.all(hung)).flat()).toMatchObject([{ disposition: "lost" }, { disposition: "lost" }, { disposition: "lost" }]);
    expect(reported).toHaveLength(4);
  });

  it("runs events with the same run.key one at a time, in order, even across a retry", async () => {
    await open();
    const a1 = await world.accept(orderEvent("1001", { type: "order.created" }));
    const a2 = await world.accept(orderEvent("1001", { type: "order.paid" }));
    const b1 = await world.accept(orderEvent("1002"));
    let failFirst = true;
    world.afas.onSend = (req) => {
      if (req.object === "TestOrder" && req.payload.OrNu === "1001" && failFirst) {
        failFirst = false;
        throw unavailable(60_000);
      }
      return req.object === "TestDebtor" ? { DbId: "D-1" } : { OrNu: req.payload.OrNu };
    };
    const worker = world.worker({ random: () => 0 });
    const first = await worker.runOnce();
    expect(first.map((p) => [p.runId, p.disposition]).sort()).toEqual([[a1.runIds[0], "retry"], [b1.runIds[0], "done"]].sort());
    expect(await worker.runOnce()).toEqual([]); // a2 waits behind a1
    world.clock.advance(60_000);
    expect(await worker.runOnce()).toMatchObject([{ runId: a1.runIds[0], disposition: "done" }]);
    expect(await worker.runOnce()).toMatchObject([{ runId: a2.runIds[0], disposition: "done" }]);
    const eventsOf = (number: string) =>
      world.afas.sent("TestOrder").filter((s) => s.payload.OrNu === number).map((s) => s.idempotencyKey.split(":")[0]);
    expect(eventsOf("1001")).toEqual([a1.eventId, a1.eventId, a2.eventId]);
    expect(eventsOf("1002")).toEqual([b1.eventId]);
  });
});
