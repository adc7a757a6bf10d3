import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobQueue } from "../../../runner/queue/types.ts";
import type { NewEvent, Store } from "../../../runner/store/types.ts";
import { backends, Session } from "../store/backends.ts";

const FLOW = "order-to-afas";
const err = { code: "UPSTREAM_UNAVAILABLE" as const, message: "503 maintenance" };

const order = (n: string, runKey: string | null = n, flow = FLOW): NewEvent => ({
  source: "aspos",
  dedupKey: `${flow}:${n}`,
  payload: { number: n },
  flowVersion: "sha-accepted",
  jobs: [{ flow, runKey }],
});

describe.each(backends())("JobQueue contract: $name", (backend) => {
  let session: Session;
  let store: Store;
  let queue: JobQueue;

  beforeEach(async () => {
    session = new Session(backend);
    store = await session.store();
    queue = await session.queue(store);
  });
  afterEach(() => session.close());

  const accept = async (...events: NewEvent[]) => (await store.acceptEvents(events)).map((r) => r.eventId);
  const payloadsOf = (jobs: { payload: unknown }[]) => jobs.map((j) => (j.payload as { number: string }).number);
  /** The dying worker is another replica/process: it claims one job for 10 s, then its connection goes away with no release. */
  const claimAndDie = async () => {
    const crashedStore = await session.another();
    const crashedQueue = await session.queue(crashedStore);
    const [abandoned] = await crashedQueue.claim("dead", 10_000, 1);
    await crashedQueue.close();
    await crashedStore.close();
    return abandoned!;
  };

  it("hands an accepted job out once, with its payload, version and a counted attempt", async () => {
    const [eventId] = await accept(order("1001"));
    const [job, ...rest] = await queue.claim("w1", 30_000, 10);
    expect(rest).toEqual([]);
    expect(job).toMatchObject({ eventId, flow: FLOW, runKey: "1001", version: "sha-accepted", attempts: 1, workerId: "w1", source: "aspos", payload: { number: "1001" }, leaseUntil: session.clock.now() + 30_000 });
    expect(await queue.claim("w2", 30_000, 10)).toEqual([]);
    expect(await store.getRun(job!.runId)).toMatchObject({ status: "running", attempts: 1, startedAt: session.clock.now() });
    expect(await queue.depth()).toEqual({ ready: 0, blocked: 0, delayed: 0, leased: 1, total: 1 });
  });

  it("completes a job: the run is done with its timings, the queue is empty, the lease is spent", async () => {
    await accept(order("1001"));
    const [job] = await queue.claim("w1", 30_000, 1);
    session.clock.advance(250);
    expect(await queue.complete(job!, { trace: [{ step: "order" }] })).toBe(true);
    expect(await store.getRun(job!.runId)).toMatchObject({ status: "done", finishedAt: session.clock.now(), durationMs: 250, trace: [{ step: "order" }] });
    expect(await queue.depth()).toEqual({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 });
    expect(await queue.complete(job!)).toBe(false);
    expect(await queue.claim("w1", 30_000, 10)).toEqual([]);
  });

  it("runs one job at a time per ordering key, in acceptance order, whichever flow it is for", async () => {
    // Keys come scoped (scopedKey): "A" stands for a key two flows share, "other\u001fA" for another flow's own A.
    await accept(order("a1", "A"), order("a2", "A"), order("b1", "B"), order("a3", "A"), order("x1", "other\u001fA", "other-flow"), order("n1", null), order("n2", null));
    const first = await queue.claim("w1", 30_000, 10);
    expect(payloadsOf(first).sort()).toEqual(["a1", "b1", "n1", "n2", "x1"]);
    expect(await queue.depth()).toEqual({ ready: 0, blocked: 2, delayed: 0, leased: 5, total: 7 });
    // Both later A runs wait behind the one running now, not behind each other.
    const a1 = first.find((j) => j.runKey === "A" && j.flow === FLOW)!;
    const waiting = (await store.listRuns({ limit: 20 })).filter((r) => r.status === "queued");
    expect(waiting).toHaveLength(2);
    for (const run of waiting) expect(await queue.blockedBy(run.id)).toBe(a1.runId);
    expect(await queue.claim("w2", 30_000, 10)).toEqual([]);
    await queue.complete(first.find((j) => j.runKey === "A" && j.flow === FLOW)!);
    expect(payloadsOf(await queue.claim("w2", 30_000, 10))).toEqual(["a2"]);
  });

  it("a job of another flow with the same ordering key waits too (flows that share a run.keyScope)", async () => {
    await accept(order("a1", "shared\u001f7"), order("c1", "shared\u001f7", "customer-flow"), order("c2", "customer-flow\u001f7", "customer-flow"));
    const first = await queue.claim("w1", 30_000, 10);
    expect(payloadsOf(first).sort()).toEqual(["a1", "c2"]);
    const c1 = (await store.listRuns({ flow: "customer-flow", limit: 10 })).find((r) => r.status === "queued")!;
    expect(await queue.blockedBy(c1.id)).toBe(first.find((j) => j.flow === FLOW)!.runId);
    await queue.complete(first.find((j) => j.flow === FLOW)!);
    expect(payloadsOf(await queue.claim("w2", 30_000, 10))).toEqual(["c1"]);
  });

  it("keeps later jobs of a key waiting behind a job that retries later", async () => {
    await accept(order("a1", "A"), order("a2", "A"));
    const [a1] = await queue.claim("w1", 30_000, 10);
    expect(await queue.retryLater(a1!, session.clock.now() + 60_000, err)).toBe(true);
    expect(await store.getRun(a1!.runId)).toMatchObject({ status: "retrying", error: err, attempts: 1 });
    // a2 is due but cannot run before a1: it is held back, not ready.
    expect(await queue.depth()).toEqual({ ready: 0, blocked: 1, delayed: 1, leased: 0, total: 2 });
    const a2 = (await store.listRuns({ limit: 10 })).find((r) => r.id !== a1!.runId)!;
    expect(await queue.blockedBy(a2.id)).toBe(a1!.runId);
    expect(await queue.blockedBy(a1!.runId)).toBeNull();
    expect(await queue.claim("w1", 30_000, 10)).toEqual([]);
    session.clock.advance(60_000);
    const [again, ...rest] = await queue.claim("w1", 30_000, 10);
    expect(rest).toEqual([]);
    expect(again).toMatchObject({ id: a1!.id, attempts: 2, lastError: err });
    expect(await store.getRun(a1!.runId)).toMatchObject({ status: "running", attempts: 2 });
  });

  it("makes a job waiting to retry due now on the operator's word, once, and only while it waits", async () => {
    await accept(order("a1", "A"));
    const [a1] = await queue.claim("w1", 30_000, 10);
    expect(await queue.retryNow(a1!.runId)).toBe(false);
    expect(await queue.retryLater(a1!, session.clock.now() + 3_600_000, err)).toBe(true);
    expect(await queue.claim("w1", 30_000, 10)).toEqual([]);
    expect(await queue.retryNow(a1!.runId)).toBe(true);
    expect(await queue.retryNow(a1!.runId)).toBe(false);
    const [again] = await queue.claim("w1", 30_000, 10);
    expect(again).toMatchObject({ id: a1!.id, attempts: 2 });
    expect(await queue.retryNow("no-such-run")).toBe(false);
  });

  it("fails a job for good: the run is on the failed list and the next job of its key runs", async () => {
    await accept(order("a1", "A"), order("a2", "A"));
    const [a1] = await queue.claim("w1", 30_000, 10);
    const rejected = { code: "UPSTREAM_REJECTED" as const, message: "Verplicht veld", upstream: { errorNumber: 123 } };
    expect(await queue.fail(a1!, rejected)).toBe(true);
    expect(await store.failedRuns()).toMatchObject([{ id: a1!.runId, status: "failed", error: rejected }]);
    expect(payloadsOf(await queue.claim("w1", 30_000, 10))).toEqual(["a2"]);
  });

  it("reclaims a job after its worker died mid-run (kill -9), counting the attempt and fencing the dead lease", async () => {
    await accept(order("a1", "A"), order("a2", "A"));
    const abandoned = await claimAndDie();

    session.clock.advance(9_999);
    expect(await queue.claim("w2", 10_000, 10)).toEqual([]);
    session.clock.advance(1);
    const [reclaimed, ...rest] = await queue.claim("w2", 10_000, 10);
    expect(rest).toEqual([]);
    expect(reclaimed).toMatchObject({ id: abandoned!.id, attempts: 2, workerId: "w2" });
    expect(reclaimed!.lease).not.toBe(abandoned!.lease);
    expect(await queue.complete(abandoned!)).toBe(false);
    expect(await queue.retryLater(abandoned!, 0, err)).toBe(false);
    expect(await queue.complete(reclaimed!)).toBe(true);
    expect(payloadsOf(await queue.claim("w2", 10_000, 10))).toEqual(["a2"]);
  });

  it("settles runs finishing together as one batch: each answered on its own lease, a stale one's ledger rows still kept", async () => {
    await accept(order("a1"), order("b1"), order("c1"));
    const stale = await claimAndDie();
    session.clock.advance(10_000);
    const claimed = await queue.claim("w1", 30_000, 10);
    expect(claimed).toHaveLength(3);
    const [b, c] = claimed.filter((j) => j.id !== stale!.id);
    session.clock.advance(40);
    // Same turn: one batch holding a stale lease (the reclaimed job's), a done run and a failed run.
    const answers = await Promise.all([
      queue.complete(b!, { trace: { n: "b" } }, [{ key: "b:order", result: { OrNu: "b" } }, { key: "b:debtor", result: { DbId: 7 } }]),
      queue.complete(stale!, {}, [{ key: "stale:order", result: { OrNu: "stale" } }]),
      queue.fail(c!, err, {}, [{ key: "c:order", result: { OrNu: "c" } }]),
    ]);
    expect(answers).toEqual([true, false, true]);
    for (const key of ["b:order", "b:debtor", "stale:order", "c:order"]) expect(await store.ledgerGet(key)).not.toBeNull();
    expect(await store.getRun(b!.runId)).toMatchObject({ status: "done", durationMs: 40, trace: { n: "b" } });
    expect(await store.getRun(c!.runId)).toMatchObject({ status: "failed", error: err });
    expect(await store.getRun(stale!.runId)).toMatchObject({ status: "running", attempts: 2 });
    expect(await queue.depth()).toMatchObject({ leased: 1, total: 1 });
  });

  it("sets a job aside as POISONED when its lease expired three times, and runs the next job of its key", async () => {
    await accept(order("a1", "A"), order("a2", "A"));
    // Each claimer dies holding the job (a run that crashes its process): the lease just expires.
    for (const worker of ["w1", "w2", "w3"]) {
      const [held, ...rest] = await queue.claim(worker, 10_000, 1);
      expect(rest).toEqual([]);
      expect(payloadsOf([held!])).toEqual(["a1"]);
      session.clock.advance(10_000);
    }
    const next = await queue.claim("w4", 10_000, 10);
    expect(payloadsOf(next)).toEqual(["a2"]);
    expect(next.poisoned).toEqual([expect.objectContaining({ flow: FLOW, attempts: 3, error: expect.objectContaining({ code: "POISONED" }) })]);
    const [failed] = await store.failedRuns();
    expect(failed).toMatchObject({ id: next.poisoned[0]!.runId, status: "failed", attempts: 3, finishedAt: session.clock.now(), error: { code: "POISONED" } });
    expect(failed!.error!.message).toMatch(/expired 3 times/);
    expect(await queue.depth()).toMatchObject({ leased: 1, total: 1 });
  });

  it("counts only lease expiries towards poison, not retries or graceful releases", async () => {
    const poisonAfter2 = await session.queue(store, { poisonAfter: 2 });
    await accept(order("a1", "A"));
    for (let i = 0; i < 3; i++) {
      const [job] = await poisonAfter2.claim("w1", 10_000, 1);
      expect(await poisonAfter2.retryLater(job!, session.clock.now(), err)).toBe(true);
      const [again] = await poisonAfter2.claim("w1", 10_000, 1);
      expect(await poisonAfter2.release(again!)).toBe(true);
    }
    await poisonAfter2.claim("w1", 10_000, 1);
    session.clock.advance(10_000);
    const [back] = await poisonAfter2.claim("w2", 10_000, 1);
    expect(back).toMatchObject({ attempts: 5 });
    session.clock.advance(10_000);
    const none = await poisonAfter2.claim("w3", 10_000, 1);
    expect(none).toEqual([]);
    expect(none.poisoned.map((p) => p.id)).toEqual([back!.id]);
  });

  it("stores a run's ledger rows with its settle; a settle that cannot be stored fails alone, its job still leased", async () => {
    await accept(order("a1"), order("b1"), order("c1"));
    const [a, b, c] = await queue.claim("w1", 30_000, 10);
    const results = await Promise.allSettled([
      queue.complete(a!, {}, [{ key: "a:order", result: { OrNu: "a1" } }]),
      // A result that cannot be stored (BigInt has no JSON form) fails this settle only.
      queue.complete(b!, {}, [{ key: "b:order", result: { OrNu: 1n } }]),
      queue.fail(c!, err, {}, [{ key: "c:order", result: { OrNu: "c1" } }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await store.ledgerGet("a:order"))?.result).toEqual({ OrNu: "a1" });
    expect((await store.ledgerGet("c:order"))?.result).toEqual({ OrNu: "c1" });
    expect(await store.ledgerGet("b:order")).toBeNull();
    expect(await store.getRun(a!.runId)).toMatchObject({ status: "done" });
    expect(await store.getRun(b!.runId)).toMatchObject({ status: "running" });
    expect(await store.getRun(c!.runId)).toMatchObject({ status: "failed" });
    expect(await queue.depth()).toMatchObject({ leased: 1, total: 1 });
  });

  it("extends a lease so a long run is not reclaimed", async () => {
    await accept(order("1"));
    const [job] = await queue.claim("w1", 1000, 1);
    session.clock.advance(900);
    expect(await queue.extend(job!, 1000)).toBe(true);
    session.clock.advance(900);
    expect(await queue.claim("w2", 1000, 1)).toEqual([]);
    expect(await queue.complete(job!)).toBe(true);
  });

  it("releases a job on graceful shutdown without counting the attempt", async () => {
    await accept(order("1"));
    const [job] = await queue.claim("w1", 30_000, 1);
    expect(await queue.release(job!)).toBe(true);
    expect(await store.getRun(job!.runId)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await queue.release(job!)).toBe(false);
    const [again] = await queue.claim("w2", 30_000, 1);
    expect(again).toMatchObject({ id: job!.id, attempts: 1 });
  });

  it("never gives one job to two concurrent claimers", async () => {
    const total = 60;
    await accept(...Array.from({ length: total }, (_, i) => order(`o${i}`)));
    const others = await Promise.all([session.another(), session.another()]);
    const queues = [queue, ...(await Promise.all(others.map((s) => session.queue(s))))];
    const seen: string[] = [];
    for (let round = 0; seen.length < total && round < total; round++) {
      const batches = await Promise.all(queues.map((q, i) => q.claim(`w${i}`, 30_000, 7)));
      for (const batch of batches) {
        seen.push(...batch.map((j) => j.id));
        await Promise.all(batch.map((j) => queue.complete(j)));
      }
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it("commits jobs with the inbox row: a failed batch leaves no job behind", async () => {
    const poisoned: NewEvent = { ...order("2"), payload: { n: 1n } };
    await expect(store.acceptEvents([order("1"), poisoned])).rejects.toThrow();
    expect(await queue.depth()).toEqual({ ready: 0, blocked: 0, delayed: 0, leased: 0, total: 0 });
    await store.enqueuePolled("cursor", "c1", [order("3")]);
    expect(await queue.depth()).toMatchObject({ ready: 1, total: 1 });
  });

  it("says which jobs came in as webhooks (their headers kept) and which from a poll, though both name the same source", async () => {
    await accept({ ...order("1"), headers: { "webhook-id": "w1" } });
    await store.enqueuePolled("cursor", "c1", [order("2")]);
    const claimed = await queue.claim("w1", 30_000, 10);
    expect(claimed.map((j) => [(j.payload as { number: string }).number, j.source, j.fromWebhook])).toEqual([["1", "aspos", true], ["2", "aspos", false]]);
  });

  it("enqueues a replay as a new run linked to the old one, on the version asked for", async () => {
    const [eventId] = await accept(order("1001"));
    const [job] = await queue.claim("w1", 30_000, 1);
    await queue.fail(job!, err);
    const [replay] = await queue.enqueue([{ eventId: eventId!, flow: FLOW, runKey: "1001", replayOf: job!.runId, version: "sha-current" }]);
    expect(await store.getRun(replay!.runId)).toMatchObject({ status: "queued", trigger: "replay", replayOf: job!.runId, version: "sha-current", eventId });
    const [again] = await queue.claim("w1", 30_000, 1);
    expect(again).toMatchObject({ id: replay!.jobId, version: "sha-current", attempts: 1, payload: { number: "1001" } });
    await expect(queue.enqueue([{ eventId: "missing", flow: FLOW }])).rejects.toThrow(/not in the inbox/);
  });

  describe("in-process hand-off (jobs leased in their accepting transaction)", () => {
    const handOff = (limit: number) => ({ workerId: "local", leaseMs: 30_000, limit });

    it("leases up to the limit, as a claim would have, and queues the rest", async () => {
      const results = await store.acceptEvents([order("h1"), order("h2"), order("h3")], handOff(2));
      const leased = results.flatMap((r) => r.leased ?? []);
      expect(leased.map((j) => j.runId)).toEqual([results[0]!.runIds[0], results[1]!.runIds[0]]);
      expect(leased[0]).toMatchObject({
        eventId: results[0]!.eventId, flow: FLOW, runKey: "h1", version: "sha-accepted", attempts: 1, expiries: 0, workerId: "local",
        source: "aspos", fromWebhook: false, payload: { number: "h1" }, replayOf: null, lastError: null, leaseUntil: session.clock.now() + 30_000,
      });
      expect(await store.getRun(leased[0]!.runId)).toMatchObject({ status: "running", attempts: 1, startedAt: session.clock.now() });
      expect(await queue.depth()).toEqual({ ready: 1, blocked: 0, delayed: 0, leased: 2, total: 3 });
      // Only the third is left for claimers; the leased ones settle under the lease they were handed.
      expect(payloadsOf(await queue.claim("w2", 30_000, 10))).toEqual(["h3"]);
      session.clock.advance(40);
      expect(await queue.complete(leased[0]!)).toBe(true);
      expect(await store.getRun(leased[0]!.runId)).toMatchObject({ status: "done", durationMs: 40 });
    });

    it("never leases a job that would wait behind another of its key, nor a duplicate's", async () => {
      await accept(order("k1", "K"));
      const results = await store.acceptEvents([order("k2", "K"), order("k1", "K"), order("n1", null), order("n2", "N"), order("n3", "N")], handOff(10));
      expect(results.map((r) => (r.leased ?? []).length)).toEqual([0, 0, 1, 1, 0]);
      expect(results[1]!.duplicate).toBe(true);
      expect(await queue.depth()).toEqual({ ready: 1, blocked: 2, delayed: 0, leased: 2, total: 5 });
    });

    it("a leased job whose runner died comes back to claimers when its lease expires", async () => {
      const [accepted] = await store.acceptEvents([order("h1")], handOff(1));
      expect(await queue.claim("w2", 30_000, 10)).toEqual([]);
      session.clock.advance(30_001);
      const [again] = await queue.claim("w2", 30_000, 10);
      expect(again).toMatchObject({ runId: accepted!.runIds[0], attempts: 2, expiries: 1, payload: { number: "h1" } });
      expect(await queue.complete(accepted!.leased![0]!)).toBe(false);
    });
  });
});
