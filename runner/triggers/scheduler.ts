import type { CompiledFlow } from "../../engine/flow/plan.ts";
import type { Connector } from "../connectors/types.ts";
import type { ClusterState, Inbox, NewEvent, Store } from "../store/types.ts";
import type { MappingVersion, VersionRegistry } from "../versions.ts";
import { projectEnv } from "../project-env.ts";
import { runKeyFor, scopedKey, searchTextOf, takesPolled } from "../ingest/route.ts";
import { defaultRecordId, pollDedupKey, type RecordId } from "./poll-record.ts";
import { errorCode } from "../privacy/error-label.ts";
import { Serial } from "../serial.ts";
import { projectTimezone, scheduleTiming, type Timing } from "../time/schedule.ts";
import { realTimers, timerAt, type Timers } from "../time/timers.ts";
import { ConfigError } from "../../common/errors.ts";
import { pollStart } from "../../engine/flow/poll-start.ts";

export interface SchedulerOptions {
  readonly store: Inbox & Pick<ClusterState, "tryLock"> & Pick<Store, "now">;
  readonly versions: VersionRegistry;
  /** The runner's connector for a connection name. */
  readonly connector: (connection: string) => Connector | undefined;
  /** This replica's lock holder id. */
  readonly replicaId: string;
  /** Defaults to the store's clock, which is also the clock its locks expire by. */
  readonly now?: () => number;
  readonly timers?: Timers;
  /** Records asked per poll call. */
  readonly pageSize?: number;
  /** Pages read per tick at most; the rest waits for the next tick, so one tick cannot run away. */
  readonly maxPages?: number;
  readonly recordId?: RecordId;
  readonly onTick?: (result: TickResult) => void;
  /**
   * While true, this replica leaves ticks to the others (as if another held the lock): its clock,
   * by which the tick locks expire, cannot be trusted (runner/cluster/clock-check.ts).
   */
  readonly paused?: () => boolean;
}

export interface TickResult {
  readonly flow: string;
  /** The instant the tick was due (or pollNow was asked). */
  readonly at: number;
  /**
   * fired: this replica ran it; locked: another replica holds the flow's lock; busy: the previous
   * tick of this flow is still running here; not-scheduled: the active version has no such schedule;
   * stopped: the scheduler stopped before it ran (a poll asked for while it stopped).
   */
  readonly status: "fired" | "locked" | "busy" | "failed" | "not-scheduled" | "stopped";
  /** Events newly accepted into the inbox. */
  readonly enqueued: number;
  /** Records or ticks the inbox already had. */
  readonly duplicates: number;
  /** Records the schedule's filter passed over. */
  readonly passedOver?: number;
  readonly pages: number;
  readonly error?: string;
  /** The failure's code or class, safe to log (the message may quote data). */
  readonly code?: string;
}

export interface Scheduler {
  start(): void;
  /** Cancels the timers and waits for ticks under way. */
  stop(): Promise<void>;
  /** Re-read the schedules if the active version changed (also done before every tick). */
  refresh(): void;
  /** Poll a flow's source now; runs after a poll under way. */
  pollNow(flow: string): Promise<TickResult>;
  /**
   * A webhook announced a change (schedule.pollOnWebhook): poll once the source's commit lag has
   * passed, so the poll can read it. Requests before that share the poll; those after it was due
   * share one more, due after their own lag. Nothing after stop().
   */
  requestPoll(flow: string): void;
  /** Next due instant per scheduled flow. */
  dueTimes(): ReadonlyMap<string, number>;
  /** Settles when no tick is running. */
  idle(): Promise<void>;
}

/** A tick due at `at`, or a poll asked for then (`requested`: pollNow). */
interface Tick {
  readonly at: number;
  readonly ttl: number;
  readonly requested?: boolean;
}

interface Plan {
  readonly flow: CompiledFlow;
  readonly timing: Timing;
  readonly poll?: { readonly connection: string; readonly source: string };
  readonly serial: Serial<Tick, TickResult>;
  due?: number;
  cancel?: () => void;
}

const DEFAULT_PAGE_SIZE = 100;
/** Past the lag: Profit stamps ModifiedDate in whole seconds. */
const LAG_MARGIN_MS = 1000;
const DEFAULT_MAX_PAGES = 100;
/** Locks expire a little before the next tick, so the next tick is open to whichever replica comes first. */
const LOCK_SHARE = 0.9;

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, versions, replicaId } = options;
  const now = options.now ?? store.now;
  const timers = options.timers ?? realTimers;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const recordId = options.recordId ?? defaultRecordId;
  let plans = new Map<string, Plan>();
  let planned: MappingVersion | undefined;
  let running = false;
  /** After stop(): a poll that was asked for or follows one under way does not start. */
  let stopped = false;
  /** Per flow, the poll requests wait for; `again`: a later request's due time, for one more poll. */
  const requested = new Map<string, { due: number; again?: number; cancel: () => void }>();
  // Ticks of plans replaced by a reload may still be running; stop() and idle() wait for those too.
  const inflight = new Set<Promise<TickResult>>();
  const track = (tick: Promise<TickResult>): Promise<TickResult> => {
    inflight.add(tick);
    tick.finally(() => inflight.delete(tick)).catch(() => undefined);
    return tick;
  };

  const idle = async (): Promise<void> => {
    while (inflight.size) await Promise.allSettled([...inflight]);
  };
  const report = (result: TickResult): TickResult => {
    options.onTick?.(result);
    return result;
  };
  const result = (flow: string, at: number, status: TickResult["status"], extra: Partial<TickResult> = {}): TickResult =>
    ({ flow, at, status, enqueued: 0, duplicates: 0, pages: 0, ...extra });

  function refresh(): void {
    const version = versions.current();
    if (version === planned) return;
    for (const plan of plans.values()) plan.cancel?.();
    planned = version;
    plans = buildPlans(version);
    if (running) for (const plan of plans.values()) arm(plan, now());
  }

  function buildPlans(version: MappingVersion): Map<string, Plan> {
    const timezone = projectTimezone(version.project);
    const next = new Map<string, Plan>();
    for (const flow of version.project.flows.values()) {
      const schedule = flow.trigger?.schedule;
      if (!schedule) continue;
      // Reload rejects schedules that do not parse (scheduleErrors), so this only guards the initial load.
      let timing: Timing;
      try {
        timing = scheduleTiming(schedule, timezone);
      } catch (e) {
        report(result(flow.name, now(), "failed", failure(e)));
        continue;
      }
      const [connection, source] = schedule.poll ? splitTarget(schedule.poll) : [];
      const plan: Plan = {
        flow,
        timing,
        ...(connection && source ? { poll: { connection, source } } : {}),
        serial: new Serial((tick) => track(execute(flow.name, tick))),
      };
      next.set(flow.name, plan);
    }
    return next;
  }

  function arm(plan: Plan, after: number): void {
    const due = plan.timing.next(after);
    plan.due = due ?? undefined;
    if (due === null) return;
    plan.cancel = timerAt(timers, now, due, () => fire(plan, due));
  }

  function fire(plan: Plan, due: number): void {
    if (!running) return;
    arm(plan, Math.max(due, now()));
    const ttl = lockTtl(plan, due);
    const tick = plan.serial.tryRun({ at: due, ttl });
    if (!tick) report(result(plan.flow.name, due, "busy"));
  }

  function lockTtl(plan: Plan, at: number): number {
    const next = plan.timing.next(at);
    return next === null ? 60_000 : Math.max(1, Math.floor((next - at) * LOCK_SHARE));
  }

  async function execute(name: string, { at, ttl, requested = false }: Tick): Promise<TickResult> {
    if (stopped) return report(result(name, at, "stopped"));
    refresh();
    const plan = plans.get(name);
    const version = planned;
    if (!plan || !version) return report(result(name, at, "not-scheduled"));
    const lock = `schedule:${name}`;
    // A requested poll takes no tick lock: the replica holding it (until shortly before the next
    // tick) would otherwise turn away every webhook's poll that reached another replica. Two polls
    // at once on two replicas read the same changes; the inbox keeps each record version once, and
    // a cursor one of them set back is read on from again, finding only what it already holds.
    const claim = options.paused?.() ? async () => false : requested ? async () => true : () => store.tryLock(lock, replicaId, ttl);
    try {
      if (!(await claim())) return report(result(name, at, "locked"));
      if (!plan.poll) {
        const accepted = await store.acceptEvent(tickEvent(plan.flow, version, at));
        return report(result(name, at, "fired", accepted.duplicate ? { duplicates: 1 } : { enqueued: 1 }));
      }
      return report(await pollPages(plan, plan.poll, version, at, claim));
    } catch (e) {
      return report(result(name, at, "failed", failure(e)));
    }
  }

  function tickEvent(flow: CompiledFlow, version: MappingVersion, at: number): NewEvent {
    const tick = new Date(at).toISOString();
    // Keyed by the due instant, so a second replica firing the same tick is a duplicate.
    return { source: "schedule", dedupKey: `${flow.name}:${tick}`, payload: { tick }, flowVersion: version.sha, trigger: "schedule", jobs: [{ flow: flow.name }] };
  }

  async function pollPages(
    plan: Plan, target: NonNullable<Plan["poll"]>, version: MappingVersion, at: number, renewLock: () => Promise<boolean>,
  ): Promise<TickResult> {
    const name = plan.flow.name;
    const connector = options.connector(target.connection);
    if (!connector?.poll) throw new ConfigError("INVALID_VALUE", `connection ${target.connection} cannot be polled`);
    const polled = `${target.connection}.${target.source}`;
    const cursorName = `cursor:${name}@${polled}`;
    let cursor = await positionOf(name, cursorName);
    const since = cursor === null ? await startOf(plan.flow, polled, at, projectTimezone(version.project)) : null;
    let enqueued = 0;
    let duplicates = 0;
    let pages = 0;
    let passedOver = 0;
    const progress = () => ({ enqueued, duplicates, pages, ...(passedOver ? { passedOver } : {}) });
    const env = projectEnv(version.project, now);
    try {
      while (pages < maxPages) {
        const page = await connector.poll(target.source, cursor, pageSize, cursor === null ? since : null);
        pages++;
        const taken = await Promise.all(page.records.map((record) => takesPolled(plan.flow, record, env)));
        const records = page.records.filter((_, i) => taken[i]);
        passedOver += page.records.length - records.length;
        const events = await Promise.all(records.map((record) => recordEvent(plan.flow, target, record, version)));
        // The cursor moves only in the transaction that stores the records it covers.
        const accepted = page.cursor === null
          ? await store.acceptEvents(events)
          : await store.enqueuePolled(cursorName, page.cursor, events);
        for (const a of accepted) {
          if (a.duplicate) duplicates++;
          else enqueued++;
        }
        if (!page.hasMore || page.cursor === null || page.cursor === cursor) break;
        cursor = page.cursor;
        // A long catch-up keeps the lock; if another replica took it over meanwhile, it goes on from our cursor.
        if (!(await renewLock())) break;
      }
    } catch (e) {
      return result(name, at, "failed", { ...progress(), ...failure(e) });
    }
    return result(name, at, "fired", progress());
  }

  /**
   * Where a poll without a position starts (schedule.startAt). `now` is the first such poll's time,
   * stored, so polls that find nothing before the source hands out a cursor keep that start instead
   * of moving it on each time and missing what changed in between.
   */
  async function startOf(flow: CompiledFlow, polled: string, at: number, timezone: string): Promise<number | null> {
    const startAt = flow.trigger?.schedule?.startAt;
    if (startAt !== "now") return pollStart(startAt, at, timezone) ?? null;
    const name = `start:${flow.name}@${polled}`;
    const stored = (await store.getCursor(name)) ?? (await adopt(`start:${flow.name}`, name));
    if (stored !== null) return Number(stored);
    await store.setCursor(name, String(at));
    return at;
  }

  /**
   * A poll's position is named by the source it reads (`cursor:<flow>@afas.Koppel_Stock`): a flow
   * whose `poll:` now names another source starts afresh there (startAt), where one name per flow
   * handed it the old source's position (refused by AFAS as no AFAS cursor, or silently a place
   * in another GetConnector).
   */
  function positionOf(flow: string, cursorName: string): Promise<string | null> {
    return store.getCursor(cursorName).then((cursor) => cursor ?? adopt(`cursor:${flow}`, cursorName));
  }

  /**
   * A value stored under a flow's old name, before names said the source: taken over once, by the
   * source the flow polls now (as it was read before). A mark says it was taken, so no later source
   * takes it too; the old row stays as it is, for a runner of the older version still reading it
   * (during a rolling upgrade, or after a rollback): emptied, that one read from the beginning.
   */
  async function adopt(oldName: string, newName: string): Promise<string | null> {
    const mark = `${oldName}@taken`;
    if ((await store.getCursor(mark)) !== null) return null;
    const old = await store.getCursor(oldName);
    if (old === null) return null;
    await store.setCursor(newName, old);
    await store.setCursor(mark, newName);
    return old;
  }

  async function recordEvent(
    flow: CompiledFlow, target: NonNullable<Plan["poll"]>, record: Readonly<Record<string, unknown>>, version: MappingVersion,
  ): Promise<NewEvent> {
    // The worker's own key function, so a polled order and its webhook share one ordering key.
    // A key that does not evaluate leaves the job unordered rather than refusing the record.
    const runKey = await runKeyFor(flow, record, projectEnv(version.project, now)).catch(() => null);
    return {
      source: target.connection,
      dedupKey: pollDedupKey(flow.name, target.connection, target.source, record, recordId),
      payload: record,
      flowVersion: version.sha,
      trigger: "schedule",
      jobs: [{ flow: flow.name, runKey: scopedKey(flow, runKey) }],
      searchText: searchTextOf(record, runKey ? [runKey] : []),
    };
  }

  function requestPoll(name: string, at?: number): void {
    if (stopped) return;
    refresh();
    const poll = plans.get(name)?.poll;
    if (!poll) return;
    const lag = options.connector(poll.connection)?.pollLagMs ?? 0;
    const due = at ?? now() + (lag > 0 ? lag + LAG_MARGIN_MS : 0);
    const pending = requested.get(name);
    if (pending) {
      // Not pushed back: webhooks closer together than the lag would keep it from ever running.
      if (due > pending.due) pending.again = Math.max(pending.again ?? due, due);
      return;
    }
    const request: { due: number; again?: number; cancel: () => void } = { due, cancel: () => {} };
    requested.set(name, request);
    request.cancel = timerAt(timers, now, due, () => {
      requested.delete(name);
      void pollNow(name);
      if (request.again !== undefined) requestPoll(name, request.again);
    });
  }

  function pollNow(name: string): Promise<TickResult> {
    refresh();
    const plan = plans.get(name);
    const at = now();
    if (!plan?.poll) return Promise.resolve(report(result(name, at, "not-scheduled")));
    return plan.serial.request({ at, ttl: lockTtl(plan, at), requested: true });
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopped = false;
      planned = undefined;
      refresh();
    },
    async stop() {
      running = false;
      stopped = true;
      for (const plan of plans.values()) plan.cancel?.();
      for (const request of requested.values()) request.cancel();
      requested.clear();
      await idle();
    },
    refresh,
    pollNow,
    requestPoll,
    dueTimes() {
      return new Map([...plans].flatMap(([name, plan]) => (plan.due === undefined ? [] : [[name, plan.due] as const])));
    },
    idle,
  };
}

function splitTarget(target: string): [string, string] {
  const dot = target.indexOf(".");
  return [target.slice(0, dot), target.slice(dot + 1)];
}

function failure(e: unknown): { error: string; code: string } {
  return { error: (e as Error).message, code: errorCode(e) };
}
