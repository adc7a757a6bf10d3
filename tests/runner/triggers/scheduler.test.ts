import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../../engine/config/load.ts";
import type { CompiledFlow } from "../../../engine/flow/plan.ts";
import type { Connector, PollPage } from "../../../runner/connectors/types.ts";
import { nodeHost } from "../../../runner/project-host.ts";
import { openStore } from "../../../runner/store/open.ts";
import type { Store } from "../../../runner/store/types.ts";
import { createScheduler, type Scheduler, type SchedulerOptions, type TickResult } from "../../../runner/triggers/scheduler.ts";
import type { Timers } from "../../../runner/time/timers.ts";
import { createVersionRegistry, type VersionRegistry } from "../../../runner/versions.ts";
import { exportShippedMappings } from "../reload/project-repo.ts";

const ORDER_FLOW = "aspos-order-to-afas";
const MIN = 60_000;
const T0 = Date.parse("2026-01-01T00:01:00Z");

/** A clock plus timers that only fire when the test moves time; timers due together fire together. */
class FakeTime implements Timers {
  t = T0;
  private seq = 0;
  private readonly queue = new Map<number, { at: number; fn: () => void }>();
  readonly now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): number {
    this.queue.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.queue.delete(handle as number);
  }
  /** Moves to `target`, firing due timers in time order and letting the work they start finish. */
  async advanceTo(target: number, settle: () => Promise<unknown>): Promise<void> {
    for (;;) {
      const due = [...this.queue.values()].filter((x) => x.at <= target);
      if (!due.length) break;
      const at = Math.min(...due.map((x) => x.at));
      this.t = Math.max(this.t, at);
      for (const [id, x] of [...this.queue]) {
        if (x.at !== at) continue;
        this.queue.delete(id);
        x.fn();
      }
      await settle();
    }
    this.t = target;
  }
}

/** AsPos-like change feed: keyset order (updatedAt, id), cursor after the last record returned. */
class FakeFeed implements Connector {
  readonly type = "aspos";
  readonly name = "aspos";
  readonly records: Record<string, unknown>[] = [];
  /** Runs after a page was read and before it is returned: records changing mid-poll. */
  afterRead: (() => void) | undefined;
  find(): never {
    throw new Error("not used");
  }
  send(): never {
    throw new Error("not used");
  }
  put(id: number, updatedAt: string): void {
    const i = this.records.findIndex((r) => r.id === id);
    const record = { id, number: `W-${id}`, updatedAt };
    if (i >= 0) this.records[i] = record;
    else this.records.push(record);
  }
  /** The `since` of each poll made without a cursor. */
  readonly starts: (number | null | undefined)[] = [];
  /** What the flow's `poll:` names after the connection. */
  source = "orders";
  pollLagMs: number | undefined;
  async poll(source: string, cursor: string | null, limit: number, since?: number | null): Promise<PollPage> {
    expect(source).toBe(this.source);
    if (cursor === null) this.starts.push(since);
    const after = cursor ? (JSON.parse(cursor) as [string, number]) : null;
    const sorted = [...this.records].sort((a, b) => String(a.updatedAt).localeCompare(String(b.updatedAt)) || Number(a.id) - Number(b.id));
    const from = since === null || since === undefined ? sorted : sorted.filter((r) => Date.parse(String(r.updatedAt)) >= since);
    const rest = after ? sorted.filter((r) => String(r.updatedAt) > after[0] || (r.updatedAt === after[0] && Number(r.id) > after[1])) : from;
    const page = rest.slice(0, limit);
    const last = page.at(-1);
    this.afterRead?.();
    return { records: page, cursor: last ? JSON.stringify([last.updatedAt, last.id]) : cursor, hasMore: rest.length > limit };
  }
}

let shipped: Project;
beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), "koppel-sched-project-"));
  try {
    exportShippedMappings(root);
    const config = join(root, "mapping.config.yaml");
    const { project, errors } = loadProject(config, nodeHost(config, { cwd: root, lenientEnv: true }));
    expect(errors.map((e) => e.format())).toEqual([]);
    shipped = project!;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** The shipped project with its flows replaced by variants of the order flow. */
function projectWith(flows: Record<string, CompiledFlow["trigger"]>): Project {
  const base = shipped.flows.get(ORDER_FLOW)!;
  const map = new Map(Object.entries(flows).map(([name, trigger]) => [name, { ...base, name, ...(trigger ? { trigger } : {}) } as CompiledFlow]));
  return { ...shipped, flows: map };
}

let dir: string;
let time: FakeTime;
let stores: Store[];
let schedulers: Scheduler[];
let ticks: TickResult[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "koppel-sched-"));
  time = new FakeTime();
  stores = [];
  schedulers = [];
  ticks = [];
});
afterEach(async () => {
  await Promise.all(schedulers.map((s) => s.stop()));
  await Promise.all(stores.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** Another replica: its own connection to the same SQLite file. */
async function replicaStore(): Promise<Store> {
  const store = await openStore(`sqlite:${join(dir, "koppel.db")}`, { now: time.now });
  stores.push(store);
  return store;
}

async function scheduler(versions: VersionRegistry, extra: Omit<Partial<SchedulerOptions>, "connector" | "store"> & { connector?: Connector; store?: Store } = {}): Promise<{ s: Scheduler; store: Store }> {
  const store = extra.store ?? (await replicaStore());
  const connector = extra.connector;
  const s = createScheduler({
    replicaId: `replica-${schedulers.length + 1}`,
    now: time.now,
    timers: time,
    onTick: (t) => ticks.push(t),
    ...extra,
    store,
    versions,
    connector: (name) => (connector && name === "aspos" ? connector : undefined),
  });
  schedulers.push(s);
  return { s, store };
}

const settle = () => Promise.all(schedulers.map((s) => s.idle()));
const registry = (project: Project, sha = "v1") => createVersionRegistry({ sha, project, activatedAt: 0 });

describe("scheduler: every and cron", () => {
  it("fires `every` on multiples of the interval, one tick event each", async () => {
    const { s, store } = await scheduler(registry(projectWith({ tick5: { schedule: { every: "5m" } } })));
    s.start();
    expect(s.dueTimes().get("tick5")).toBe(Date.parse("2026-01-01T00:05:00Z"));
    await time.advanceTo(T0 + 3 * MIN, settle);
    expect(await store.listRuns()).toHaveLength(0);
    await time.advanceTo(Date.parse("2026-01-01T00:15:00Z"), settle);
    const runs = await store.listRuns({ flow: "tick5" });
    expect(runs.map((r) => [r.trigger, r.version, r.status])).toEqual(Array(3).fill(["schedule", "v1", "queued"]));
    const payloads = await Promise.all(runs.map(async (r) => (await store.getEvent(r.eventId!))!.payload));
    expect(payloads.map((p) => (p as { tick: string }).tick).sort()).toEqual([
      "2026-01-01T00:05:00.000Z", "2026-01-01T00:10:00.000Z", "2026-01-01T00:15:00.000Z",
    ]);
    expect(s.dueTimes().get("tick5")).toBe(Date.parse("2026-01-01T00:20:00Z"));
  });

  it("fires cron in settings.timezone (02:00 Amsterdam is 01:00 UTC in winter)", async () => {
    const { s, store } = await scheduler(registry(projectWith({ nightly: { schedule: { cron: "0 2 * * *" } } })));
    s.start();
    expect(new Date(s.dueTimes().get("nightly")!).toISOString()).toBe("2026-01-01T01:00:00.000Z");
    await time.advanceTo(Date.parse("2026-01-02T01:30:00Z"), settle);
    expect(await store.listRuns({ flow: "nightly" })).toHaveLength(2);
  });

  it("with two replicas on one store, exactly one fires each tick", async () => {
    const versions = registry(projectWith({ tick1: { schedule: { every: "1m" } } }));
    const a = await scheduler(versions);
    const b = await scheduler(versions);
    a.s.start();
    b.s.start();
    await time.advanceTo(T0 + 6 * MIN, settle);
    const byTick = new Map<number, TickResult[]>();
    for (const t of ticks) byTick.set(t.at, [...(byTick.get(t.at) ?? []), t]);
    expect(byTick.size).toBe(6);
    for (const group of byTick.values()) expect(group.map((t) => t.status).sort()).toEqual(["fired", "locked"]);
    // Neither replica leaned on the inbox's dedup: every fired tick enqueued.
    expect(ticks.filter((t) => t.status === "fired").every((t) => t.enqueued === 1)).toBe(true);
    expect(await a.store.listRuns({ flow: "tick1" })).toHaveLength(6);
  });

  it("a paused replica (its clock off the database's) fires no tick until it is let go again", async () => {
    const versions = registry(projectWith({ tick1: { schedule: { every: "1m" } } }));
    let off = true;
    const a = await scheduler(versions, { paused: () => off });
    a.s.start();
    await time.advanceTo(T0 + 3 * MIN, settle);
    expect(ticks.map((t) => t.status)).toEqual(["locked", "locked", "locked"]);
    expect(await a.store.listRuns({ flow: "tick1" })).toHaveLength(0);
    off = false;
    await time.advanceTo(T0 + 5 * MIN, settle);
    expect(ticks.filter((t) => t.status === "fired")).toHaveLength(2);
  });

  it("re-reads the schedules when the active version changes", async () => {
    const versions = registry(projectWith({ tick5: { schedule: { every: "5m" } }, gone: { schedule: { every: "1m" } } }));
    const { s, store } = await scheduler(versions);
    s.start();
    await time.advanceTo(Date.parse("2026-01-01T00:05:00Z"), settle);
    versions.activate({ sha: "v2", project: projectWith({ tick5: { schedule: { every: "2m" } } }), activatedAt: time.t });
    s.refresh();
    expect([...s.dueTimes()]).toEqual([["tick5", Date.parse("2026-01-01T00:06:00Z")]]);
    await time.advanceTo(Date.parse("2026-01-01T00:08:00Z"), settle);
    const runs = await store.listRuns();
    expect(runs.map((r) => `${r.flow}@${r.version}`).sort()).toEqual(["gone@v1", "gone@v1", "gone@v1", "gone@v1", "tick5@v1", "tick5@v2", "tick5@v2"]);
  });

  it("notices a new version at the next tick even without refresh()", async () => {
    const versions = registry(projectWith({ tick1: { schedule: { every: "1m" } } }));
    const { s, store } = await scheduler(versions);
    s.start();
    versions.activate({ sha: "v2", project: projectWith({ tick1: { schedule: { every: "1m" } } }), activatedAt: time.t });
    await time.advanceTo(T0 + MIN, settle);
    expect((await store.listRuns()).map((r) => r.version)).toEqual(["v2"]);
  });
});

describe("scheduler: polling", () => {
  const STAMP = "2026-01-01T00:00:00Z";
  const pollFlow = (): Project => projectWith({ [ORDER_FLOW]: { schedule: { every: "5m", poll: "aspos.orders" } } });

  async function enqueuedIds(store: Store): Promise<number[]> {
    const runs = await store.listRuns({ flow: ORDER_FLOW, limit: 1000 });
    const events = await Promise.all(runs.map((r) => store.getEvent(r.eventId!)));
    return events.map((e) => (e!.payload as { id: number }).id).sort((a, b) => a - b);
  }

  it("pages through records sharing one updatedAt, each enqueued exactly once across ticks", async () => {
    const feed = new FakeFeed();
    for (let id = 1; id <= 5; id++) feed.put(id, STAMP);
    const { s, store } = await scheduler(registry(pollFlow(), "sha-1"), { connector: feed, pageSize: 2 });
    s.start();
    await time.advanceTo(Date.parse("2026-01-01T00:05:00Z"), settle);
    expect(ticks.at(-1)).toMatchObject({ status: "fired", enqueued: 5, duplicates: 0, pages: 3 });
    expect(await enqueuedIds(store)).toEqual([1, 2, 3, 4, 5]);

    feed.put(6, STAMP); // same timestamp, sorts after the cursor
    await time.advanceTo(Date.parse("2026-01-01T00:10:00Z"), settle);
    expect(ticks.at(-1)).toMatchObject({ enqueued: 1, duplicates: 0 });
    await time.advanceTo(Date.parse("2026-01-01T00:15:00Z"), settle);
    expect(ticks.at(-1)).toMatchObject({ status: "fired", enqueued: 0, pages: 1 });
    expect(await enqueuedIds(store)).toEqual([1, 2, 3, 4, 5, 6]);

    feed.put(2, "2026-01-01T00:12:00Z"); // changed again: processed again
    await time.advanceTo(Date.parse("2026-01-01T00:20:00Z"), settle);
    expect(await enqueuedIds(store)).toEqual([1, 2, 2, 3, 4, 5, 6]);

    const runs = await store.listRuns({ flow: ORDER_FLOW, limit: 1000 });
    const event = await store.getEvent(runs[0]!.eventId!);
    expect(event).toMatchObject({ source: "aspos", flowVersion: "sha-1", dedupKey: `${ORDER_FLOW}:orders:2:2026-01-01T00:12:00Z` });
    expect(runs[0]).toMatchObject({ trigger: "schedule", version: "sha-1", searchText: "W-2" });
  });

  it("a failed enqueue leaves the cursor where the last commit put it; the next tick resumes there", async () => {
    const feed = new FakeFeed();
    for (let id = 1; id <= 5; id++) feed.put(id, STAMP);
    const real = await replicaStore();
    let failAt = 2;
    const flaky = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === "enqueuePolled") {
          return async (...args: Parameters<Store["enqueuePolled"]>) => {
            if (--failAt === 0) throw new Error("disk full");
            return target.enqueuePolled(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { s } = await scheduler(registry(pollFlow()), { connector: feed, pageSize: 2, store: flaky });
    s.start();
    await time.advanceTo(Date.parse("2026-01-01T00:05:00Z"), settle);
    expect(ticks.at(-1)).toMatchObject({ status: "failed", enqueued: 2, error: "disk full" });
    // Page one committed with its cursor; page two's records and cursor were not stored.
    expect(await real.getCursor(`cursor:${ORDER_FLOW}@aspos.orders`)).toBe(JSON.stringify([STAMP, 2]));
    expect(await enqueuedIds(real)).toEqual([1, 2]);

    await time.advanceTo(Date.parse("2026-01-01T00:10:00Z"), settle);
    expect(ticks.at(-1)).toMatchObject({ status: "fired", enqueued: 3, duplicates: 0 });
    expect(await enqueuedIds(real)).toEqual([1, 2, 3, 4, 5]);
    expect(await real.getCursor(`cursor:${ORDER_FLOW}@aspos.orders`)).toBe(JSON.stringify([STAMP, 5]));
  });

  it("startAt now: the first poll keeps its own time as the start until the source hands out a position, and reads nothing older", async () => {
    const feed = new FakeFeed();
    feed.put(1, "2025-12-31T23:00:00Z");
    const project = projectWith({ [ORDER_FLOW]: { schedule: { every: "5m", poll: "aspos.orders", startAt: "now" } } });
    const { s, store } = await scheduler(registry(project), { connector: feed });
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ status: "fired", enqueued: 0 });
    // Nothing changed yet, so the source gave no cursor: the next poll starts at the same moment, not later.
    time.t += 10 * MIN;
    feed.put(2, new Date(T0 + MIN).toISOString());
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ status: "fired", enqueued: 1 });
    expect(feed.starts).toEqual([T0, T0]);
    expect(await enqueuedIds(store)).toEqual([2]);
    // With a position, the start no longer matters.
    feed.put(3, new Date(T0 + 11 * MIN).toISOString());
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ enqueued: 1 });
    expect(feed.starts).toEqual([T0, T0]);
  });

  it("without startAt, the first poll reads everything the source holds", async () => {
    const feed = new FakeFeed();
    feed.put(1, "2020-01-01T00:00:00Z");
    const { s, store } = await scheduler(registry(pollFlow()), { connector: feed });
    await s.pollNow(ORDER_FLOW);
    expect(feed.starts).toEqual([null]);
    expect(await enqueuedIds(store)).toEqual([1]);
  });

  it("startAt a date reads from that day's midnight in the shop's time zone (Amsterdam: 23:00 UTC the day before, in winter)", async () => {
    const feed = new FakeFeed();
    feed.put(1, "2025-02-28T22:59:59Z");
    feed.put(2, "2025-02-28T23:00:00Z");
    const dated = await scheduler(registry(projectWith({ [ORDER_FLOW]: { schedule: { every: "5m", poll: "aspos.orders", startAt: "2025-03-01" } } })), { connector: feed });
    await dated.s.pollNow(ORDER_FLOW);
    expect(await enqueuedIds(dated.store)).toEqual([2]);
    expect(feed.starts).toEqual([Date.parse("2025-02-28T23:00:00Z")]);
  });

  it("pollNow reads new records at once and waits for a poll already under way", async () => {
    const feed = new FakeFeed();
    feed.put(1, STAMP);
    const { s, store } = await scheduler(registry(pollFlow()), { connector: feed });
    s.start();
    let second: Promise<TickResult> | undefined;
    feed.afterRead = () => {
      // Record 2 arrives, and its webhook asks for a poll, after the running poll has read its page.
      feed.afterRead = undefined;
      feed.put(2, STAMP);
      second = s.pollNow(ORDER_FLOW);
    };
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ status: "fired", enqueued: 1 });
    expect(await second).toMatchObject({ status: "fired", enqueued: 1 });
    expect(await enqueuedIds(store)).toEqual([1, 2]);
    expect(await s.pollNow("no-such-flow")).toMatchObject({ status: "not-scheduled" });
  });

  it("a poll asked for on one replica is not turned away by the tick lock another replica holds", async () => {
    const feed = new FakeFeed();
    feed.put(1, STAMP);
    const versions = registry(pollFlow());
    const a = await scheduler(versions, { connector: feed });
    const b = await scheduler(versions, { connector: feed });
    a.s.start();
    // Replica a fires the 00:05 tick and holds the flow's lock until shortly before 00:10.
    await time.advanceTo(Date.parse("2026-01-01T00:05:30Z"), settle);
    expect(ticks.filter((t) => t.status === "fired")).toHaveLength(1);
    // A thin webhook reaches replica b: its poll reads the change now, and the tick after it finds nothing new.
    feed.put(2, "2026-01-01T00:05:20Z");
    expect(await b.s.pollNow(ORDER_FLOW)).toMatchObject({ status: "fired", enqueued: 1 });
    expect(await enqueuedIds(a.store)).toEqual([1, 2]);
    await time.advanceTo(Date.parse("2026-01-01T00:10:30Z"), settle);
    expect(ticks.at(-1)).toMatchObject({ status: "fired", enqueued: 0 });
    expect(await enqueuedIds(a.store)).toEqual([1, 2]);
  });

  it("a poll a webhook requests waits out the source's commit lag; requests meanwhile share it, and later ones one more", async () => {
    const feed = new FakeFeed();
    feed.pollLagMs = 10_000;
    feed.put(1, STAMP);
    const { s, store } = await scheduler(registry(pollFlow()), { connector: feed });
    const start = time.t;
    s.requestPoll(ORDER_FLOW);
    await time.advanceTo(start + 5_000, settle);
    expect(ticks).toEqual([]);
    s.requestPoll(ORDER_FLOW);
    s.requestPoll(ORDER_FLOW);
    // The first request's poll runs when its lag (plus a second) has passed; the two later ones,
    // whose changes may still be committing then, share one more after theirs.
    await time.advanceTo(start + 11_500, settle);
    expect(ticks).toEqual([expect.objectContaining({ status: "fired", enqueued: 1, at: start + 11_000 })]);
    await time.advanceTo(start + 16_500, settle);
    expect(ticks.map((t) => t.at)).toEqual([start + 11_000, start + 16_000]);
    expect(await enqueuedIds(store)).toEqual([1]);
    // Stopped with a request pending, or asked after the stop: no poll.
    s.requestPoll(ORDER_FLOW);
    await s.stop();
    s.requestPoll(ORDER_FLOW);
    await time.advanceTo(start + 60_000, settle);
    expect(ticks).toHaveLength(2);
    // A flow that polls nothing asks for nothing.
    s.requestPoll("no-such-flow");
    await time.advanceTo(start + 120_000, settle);
    expect(ticks).toHaveLength(2);
  });

  it("webhooks closer together than the commit lag do not keep their poll from running", async () => {
    const feed = new FakeFeed();
    feed.pollLagMs = 10_000;
    const { s } = await scheduler(registry(pollFlow()), { connector: feed });
    const start = time.t;
    for (let at = start; at < start + 120_000; at += 5_000) {
      await time.advanceTo(at, settle);
      s.requestPoll(ORDER_FLOW);
    }
    await time.advanceTo(start + 120_000, settle);
    // One every lag plus a second at most, while they keep coming.
    expect(ticks.length).toBeGreaterThanOrEqual(10);
    expect(ticks.every((t) => t.status === "fired")).toBe(true);
  });

  it("a poll that would follow one under way does not start once the scheduler stopped", async () => {
    const feed = new FakeFeed();
    feed.put(1, STAMP);
    const { s } = await scheduler(registry(pollFlow()), { connector: feed });
    let release!: () => void;
    const reads: string[] = [];
    const poll = feed.poll.bind(feed);
    feed.poll = async (...args) => {
      reads.push("read");
      if (reads.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return poll(...args);
    };
    const first = s.pollNow(ORDER_FLOW);
    while (!reads.length) await new Promise((resolve) => setImmediate(resolve));
    const followUp = s.pollNow(ORDER_FLOW);
    const stopping = s.stop();
    release();
    await stopping;
    expect(await first).toMatchObject({ status: "fired" });
    expect(await followUp).toMatchObject({ status: "stopped" });
    expect(reads).toEqual(["read"]);
  });

  it("a position is the source's: a poll: that names another source starts afresh there; one stored before names said the source is taken over once", async () => {
    const feed = new FakeFeed();
    for (let id = 1; id <= 4; id++) feed.put(id, STAMP);
    const store = await replicaStore();
    // Stored by a runner from before positions were named by their source.
    await store.setCursor(`cursor:${ORDER_FLOW}`, JSON.stringify([STAMP, 2]));
    const versions = registry(pollFlow());
    const { s } = await scheduler(versions, { connector: feed, store });
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ status: "fired", enqueued: 2 });
    expect(await enqueuedIds(store)).toEqual([3, 4]);
    expect(await store.getCursor(`cursor:${ORDER_FLOW}@aspos.orders`)).toBe(JSON.stringify([STAMP, 4]));
    // The old row stays for a runner of the older version; a mark keeps a later source from taking it.
    expect(await store.getCursor(`cursor:${ORDER_FLOW}`)).toBe(JSON.stringify([STAMP, 2]));
    expect(await store.getCursor(`cursor:${ORDER_FLOW}@taken`)).toBe(`cursor:${ORDER_FLOW}@aspos.orders`);

    // The flow now polls customers: orders' position [STAMP, 4] would skip customers 1-4.
    versions.activate({ sha: "v2", project: projectWith({ [ORDER_FLOW]: { schedule: { every: "5m", poll: "aspos.customers" } } }), activatedAt: 1 });
    feed.source = "customers";
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ status: "fired", enqueued: 4 });
    expect(feed.starts).toHaveLength(1);
    expect(await store.getCursor(`cursor:${ORDER_FLOW}@aspos.customers`)).toBe(JSON.stringify([STAMP, 4]));
  });

  it("a poll failure reports the error and moves nothing", async () => {
    const feed = new FakeFeed();
    feed.put(1, STAMP);
    feed.poll = async () => {
      throw new Error("AsPos 503");
    };
    const { s, store } = await scheduler(registry(pollFlow()), { connector: feed });
    expect(await s.pollNow(ORDER_FLOW)).toMatchObject({ status: "failed", error: "AsPos 503", pages: 0 });
    expect(await store.getCursor(`cursor:${ORDER_FLOW}@aspos.orders`)).toBeNull();
  });
});
