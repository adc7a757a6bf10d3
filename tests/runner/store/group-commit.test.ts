import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { groupCommit } from "../../../runner/store/group-commit.ts";
import type { ClaimedJob } from "../../../runner/queue/types.ts";
import type { AcceptResult, HandOff, NewEvent, Store } from "../../../runner/store/types.ts";
import { backends, Session } from "./backends.ts";

const ev = (dedupKey: string, payload: unknown = {}): NewEvent => ({ source: "s", dedupKey, payload, flowVersion: "v", jobs: [] });

/** A store double that records each transaction, fails a batch holding a poisoned event, and commits when told. */
function recordingStore({ manual = false } = {}) {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  return {
    batches,
    /** Lets the oldest held transaction commit. */
    commitNext: () => pending.shift()?.(),
    async acceptEvents(batch: readonly NewEvent[]): Promise<AcceptResult[]> {
      batches.push(batch.map((e) => e.dedupKey));
      if (manual) await new Promise<void>((resolve) => pending.push(resolve));
      if (batch.some((e) => e.payload === "poison")) throw new Error("poisoned");
      return batch.map((e) => ({ eventId: `id-${e.dedupKey}`, duplicate: false, runIds: [] }));
    },
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("groupCommit", () => {
  it("commits concurrent requests together and answers each with its own result", async () => {
    const store = recordingStore();
    const gc = groupCommit(store, { maxBatch: 3 });
    const results = await Promise.all(["1", "2", "3", "4", "5"].map((k) => gc.accept(ev(k))));
    expect(results.map((r) => r.eventId)).toEqual(["id-1", "id-2", "id-3", "id-4", "id-5"]);
    expect(store.batches).toEqual([["1", "2", "3"], ["4", "5"]]);
  });

  it("gathers requests from separate macrotasks of one event-loop turn", async () => {
    const store = recordingStore();
    const gc = groupCommit(store);
    // Like three sockets readable in one poll phase: each request is its own callback, and Node runs
    // the microtasks between callbacks (the marks show it). Immediates queued together run in one
    // check phase for certain; 0 ms timers may straddle a clock tick on a loaded machine and split.
    const seen: string[] = [];
    const accepted = await new Promise<Promise<AcceptResult>[]>((resolve) => {
      const all: Promise<AcceptResult>[] = [];
      for (const k of ["a", "b", "c"]) {
        setImmediate(() => {
          all.push(gc.accept(ev(k)));
          seen.push(k);
          queueMicrotask(() => seen.push(`${k} microtasks`));
        });
      }
      setImmediate(() => resolve(all));
    });
    await Promise.all(accepted);
    expect(seen).toEqual(["a", "a microtasks", "b", "b microtasks", "c", "c microtasks"]);
    expect(store.batches).toEqual([["a", "b", "c"]]);
  });

  it("answers nobody before the transaction holding their event has committed", async () => {
    const store = recordingStore({ manual: true });
    const gc = groupCommit(store);
    const answered: string[] = [];
    const track = (k: string) => gc.accept(ev(k)).then(() => answered.push(k));
    const first = [track("1"), track("2")];
    await turn();
    expect(store.batches).toEqual([["1", "2"]]);
    // Arriving while that commit is in flight: they wait for the next transaction.
    const second = [track("3"), track("4")];
    await turn();
    expect(answered).toEqual([]);
    store.commitNext();
    await Promise.all(first);
    expect(answered).toEqual(["1", "2"]);
    await turn();
    expect(store.batches).toEqual([["1", "2"], ["3", "4"]]);
    expect(answered).toEqual(["1", "2"]);
    store.commitNext();
    await Promise.all(second);
    expect(answered).toEqual(["1", "2", "3", "4"]);
  });

  it("fails only the bad event of a batch, finding it by halving", async () => {
    const store = recordingStore();
    const gc = groupCommit(store);
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8"];
    const settled = await Promise.allSettled(keys.map((k) => gc.accept(ev(k, k === "6" ? "poison" : {}))));
    expect(settled.map((s) => s.status)).toEqual(keys.map((k) => (k === "6" ? "rejected" : "fulfilled")));
    // One failed transaction of 8, then halves: far fewer commits than retrying each event alone.
    expect(store.batches).toEqual([keys, ["1", "2", "3", "4"], ["5", "6", "7", "8"], ["5", "6"], ["5"], ["6"], ["7", "8"]]);
    const later = await gc.accept(ev("9"));
    expect(later.eventId).toBe("id-9");
  });

  it("offers a transaction the slots its events hold, and gives them back once, whether it commits or fails", async () => {
    const offered: (number | undefined)[] = [];
    const adopted: [number, string[]][] = [];
    const store = {
      async acceptEvents(batch: readonly NewEvent[], handOff?: HandOff): Promise<AcceptResult[]> {
        offered.push(handOff?.limit);
        if (batch.some((e) => e.payload === "poison")) throw new Error("poisoned");
        return batch.map((e) => ({ eventId: `id-${e.dedupKey}`, duplicate: false, runIds: [`run-${e.dedupKey}`], leased: [{ runId: `run-${e.dedupKey}` } as ClaimedJob] }));
      },
    };
    const gc = groupCommit(store, {
      handOff: { handOff: (limit) => ({ workerId: "w", leaseMs: 1_000, limit }), adopt: (slots, jobs) => adopted.push([slots, jobs.map((j) => j.runId)]) },
    });
    await Promise.all([gc.accept(ev("a"), 1), gc.accept(ev("b")), gc.accept(ev("c"), 2)]);
    expect(offered).toEqual([3]);
    expect(adopted).toEqual([[3, ["run-a", "run-b", "run-c"]]]);

    offered.length = 0;
    adopted.length = 0;
    const settled = await Promise.allSettled([gc.accept(ev("d"), 1), gc.accept(ev("e", "poison"), 1)]);
    expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    // The failed transaction gave its 2 slots back; the halves commit without a hand-off.
    expect(offered).toEqual([2, undefined, undefined]);
    expect(adopted).toEqual([[2, []]]);
  });
});

describe.each(backends())("groupCommit on the $name store", (backend) => {
  let session: Session;
  let store: Store;
  let commits: number;
  let gc: ReturnType<typeof groupCommit>;

  beforeEach(async () => {
    session = new Session(backend);
    store = await session.store();
    commits = 0;
    gc = groupCommit({
      acceptEvents: (batch) => {
        commits++;
        return store.acceptEvents(batch);
      },
    });
  });
  afterEach(() => session.close());

  const order = (key: string, payload: unknown = { number: key }): NewEvent => ({
    source: "aspos",
    dedupKey: key,
    payload,
    flowVersion: "sha-1",
    jobs: [{ flow: "order-to-afas", runKey: key }],
  });

  it("commits concurrent accepts in one transaction, each with its own event id and duplicate flag", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `W-${i}`);
    const results = await Promise.all([...keys, "W-7"].map((k) => gc.accept(order(k))));
    expect(commits).toBe(1);
    expect(new Set(results.slice(0, 40).map((r) => r.eventId)).size).toBe(40);
    expect(results.slice(0, 40).every((r) => !r.duplicate && r.runIds.length === 1)).toBe(true);
    expect(results[40]).toEqual({ eventId: results[7]!.eventId, duplicate: true, runIds: [] });
    expect(await store.listRuns({ limit: 1000 })).toHaveLength(40);
  });

  it("keeps the neighbours of an event that cannot be stored", async () => {
    // JSON.stringify throws on BigInt: the transaction fails half-way through.
    const settled = await Promise.allSettled(["A", "B", "C", "D"].map((k) => gc.accept(order(k, k === "C" ? { n: 1n } : { number: k }))));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    const stored = await store.listRuns();
    expect(stored).toHaveLength(3);
    expect(commits).toBeGreaterThan(1);
  });

  it("answers each caller only once its event can be read by another connection", async () => {
    const other = await session.another();
    const seen = await Promise.all(
      ["X1", "X2", "X3"].map((k) => gc.accept(order(k)).then(async (r) => (await other.getEvent(r.eventId))?.dedupKey)),
    );
    expect(seen).toEqual(["X1", "X2", "X3"]);
  });
});
