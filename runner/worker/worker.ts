import type { ClaimBatch, ClaimedJob, JobQueue } from "../queue/types.ts";
import type { HandOff } from "../store/types.ts";
import type { ForeignVersionStore } from "./foreign-version.ts";
import { createRedactor, type Redactor } from "../privacy/redact.ts";
import type { VersionRegistry } from "../versions.ts";
import type { BackoffPolicy } from "./backoff.ts";
import { LeaseKeeper } from "./lease.ts";
import { processJob, type ConnectorSource, type ProcessDeps, type ProcessedJob } from "./process.ts";

export type { ConnectorSource, Disposition, ProcessedJob } from "./process.ts";

export interface WorkerOptions {
  /** Runs record through the queue; the store is asked for ledger entries, and for a job on a version this runner does not hold, its run and the cluster's version. */
  readonly store: ForeignVersionStore;
  readonly queue: JobQueue;
  readonly versions: VersionRegistry;
  /** By connection name; a function when a reload may change connections (one map per version). */
  readonly connectors: ConnectorSource;
  readonly now: () => number;
  /** Jitter source, in [0, 1). */
  readonly random?: () => number;
  readonly workerId: string;
  readonly leaseMs: number;
  /** Jobs in flight at once; per-connection caps (maxParallel) are the connectors' own. */
  readonly concurrency: number;
  /** Applied to each run's stored input, trace and error (config `logging.payloads`); by default all is kept. */
  readonly redact?: Redactor;
  readonly backoff?: BackoffPolicy;
  /** How long start() waits before asking an empty queue again; default 500 ms. */
  readonly idleMs?: number;
  /** While true, no jobs are claimed (runs in flight go on): this host's clock cannot be trusted with leases. */
  readonly paused?: () => boolean;
  /** Jobs leased to this worker, by a claim or an accept's hand-off (claim latency metrics). */
  readonly onClaimed?: (jobs: readonly ClaimedJob[]) => void;
  /** Store or queue trouble outside a run; the job's lease then expires and it is claimed again. */
  readonly onError?: (error: unknown, job?: ClaimedJob) => void;
  /** After each job is settled (metrics, alerts on failure). */
  readonly onProcessed?: (job: ProcessedJob) => void;
  /** After a run's final attempt is recorded, with what it did in memory (shadow runs). */
  readonly onFinished?: ProcessDeps["onFinished"];
}

export interface Worker {
  /** Claims and runs jobs in the background until stop(). */
  start(): void;
  /**
   * Stops claiming, lets runs in flight finish for up to `graceMs` (default 30 s), then stops each
   * remaining run before its next upstream call and hands its job back uncounted.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
  /** Claims one batch (up to the free concurrency), runs it and returns how each job ended. */
  runOnce(): Promise<ProcessedJob[]>;
  /**
   * New jobs were just committed ready in this process (a webhook accept, a retry now): claim now
   * instead of after the idle wait, and before any further hand-off, so they keep their place. The
   * durable jobs row stays the truth. `runKeys`: the new jobs' ordering keys; a job of such a key
   * that ends here wakes the worker again, as the one behind it may be claimable now.
   */
  wake(runKeys?: readonly (string | null)[]): void;
  /**
   * Slots for up to `jobs` new jobs of an event about to be accepted, which its transaction then
   * leases to this worker (`handOff`). Waits up to `waitMs` for a slot while all are busy or older
   * ready jobs wait in the table, unless the last accept held waited in vain; resolves with how many
   * it holds (0: the jobs are queued as usual). Every slot held is given back by `adopt`.
   */
  reserve(jobs: number, waitMs: number): Promise<number>;
  /** From now on `reserve` answers 0 at once, and accepts waiting for a slot go on without one (shutdown). */
  closeIntake(): void;
  /** What an accepting transaction holding `limit` reserved slots leases to this worker. */
  handOff(limit: number): HandOff;
  /** That transaction ended: run the jobs it leased here (none if it failed); its `slots` are given back. */
  adopt(slots: number, jobs: readonly ClaimedJob[]): void;
  readonly inFlight: number;
}

export function createWorker(options: WorkerOptions): Worker {
  const { queue, workerId, leaseMs, now } = options;
  const onError = options.onError ?? ((error: unknown) => console.error(`worker ${workerId}:`, error));
  const deps = {
    store: options.store,
    queue,
    versions: options.versions,
    connectors: options.connectors,
    now,
    random: options.random ?? Math.random,
    redact: options.redact ?? createRedactor({ payloads: "full" }),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.onFinished ? { onFinished: options.onFinished } : {}),
  };
  /**
   * A busy worker claims again once a quarter of its slots are free, not for every finished job:
   * a claim is a transaction (on PostgreSQL ~10 round trips with pg-boss's hand-off and fetch), so
   * one claim per finished job cost as much as the job's own bookkeeping. The jobs still in flight
   * cover the wait: with 32 slots behind AFAS's 8 calls, 24 are still queued at its semaphore. Below
   * 4 slots this is one, as before.
   */
  const claimAt = Math.max(1, Math.floor(options.concurrency / 4));
  const free = () => options.concurrency - inFlight.size - reserved - claiming;
  const room = () => free() >= claimAt;
  const leases = new Map<string, LeaseKeeper>();
  const inFlight = new Set<Promise<ProcessedJob | undefined>>();
  let accepting = true;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  /**
   * In-process hand-off (reserve/adopt). A fresh job leased in its accepting transaction skips the
   * claim: its take, lease and run updates and the read of its payload back from the inbox, and the
   * wait for the worker's next turn. Slots reserved for an accept count as busy until its
   * transaction ends.
   *
   * Accepts wait for a slot (`reserve`): accepted faster than they ran, webhooks filled the table
   * with ready jobs, every job was claimed back from there, and an order reached AFAS after the
   * ~900 ms the queue had grown to (peers lat0: e2e p50 ~900 ms). Holding each answer until there is
   * room (the event is not accepted yet meanwhile, so a crash loses nothing the sender was told is
   * kept) paces senders to what the runner does, and every job is handed over. Peers lat0, waiting
   * up to 1 s against not waiting, interleaved: 1060–1239 orders/s at 0.87–1.00 CPU ms per order
   * against 946–1072 at 1.03–1.15, e2e p50 30–38 ms against ~1 s. A sender is never held past
   * `waitMs`: then its event is queued as before.
   */
  let reserved = 0;
  /** Slots a claim under way asked for, then its jobs until they run (see claim). */
  let claiming = 0;
  /**
   * A held accept waited its whole wait: the runner does not free slots as fast as senders come
   * (AFAS is the bound), so holding the next ones only delays them before they are queued anyway.
   * Until a claim finds the queue drained, accepts are answered at once.
   */
  let overloaded = false;
  /** The runner is stopping: accepts are answered at once, before the HTTP server closes. */
  let intakeClosed = false;
  const reservationsEnded: (() => void)[] = [];
  interface Waiter {
    readonly jobs: number;
    readonly grant: (slots: number) => void;
  }
  const waiters: Waiter[] = [];
  /** More waiting accepts than this are not held: each holds its request in memory. */
  const MAX_WAITERS = 256;
  /** Takes no hand-offs at all: stopping, running a suspect alone, or paused (its clock is off). */
  const closed = () => intakeClosed || !accepting || alone || options.paused?.() === true;
  const canGrant = () => !backlog && !closed();
  /**
   * Hands free slots to waiting accepts, oldest first, once a claim's worth is free (room): granted
   * one by one as runs ended, each accept and each run's settle committed alone at AFAS's pace (peers
   * lat50: 2.8–3.3 CPU ms per order); a quarter at a time, they share commits again (2.0–2.7, as
   * without waiting: 2.0–2.5, same session).
   */
  const grant = () => {
    if (closed()) for (const waiter of waiters.splice(0)) waiter.grant(0);
    if (!room()) return;
    while (waiters.length && canGrant() && free() > 0) {
      const waiter = waiters.shift()!;
      const slots = Math.min(waiter.jobs, free());
      reserved += slots;
      waiter.grant(slots);
    }
  };
  /**
   * Ready jobs may wait in the table (an accept left some unleased, a claim filled its limit): no
   * hand-offs until a claim comes back short, or a new job would take the free slot before older
   * ones. `wakes` tells a claim whether a wake came while it ran, which it could not have seen.
   */
  let backlog = true;
  let wakes = 0;
  const more = () => {
    wakes++;
    backlog = true;
  };
  /**
   * Keys of ready jobs that may wait behind one running here. Bounded: a key whose jobs another
   * replica ran is never seen ending here, and the idle look finds what a dropped key would have woken.
   */
  const waitingKeys = new Set<string>();
  const WAITING_KEYS = 10_000;
  /**
   * A job whose lease expired before (its runner died or hung holding it) runs alone: claimed by
   * itself, with nothing else in flight. A crash takes every run in flight with it and counts an
   * expiry for each, so run together again, the orders that shared the culprit's crash shared its
   * next ones too and were set aside as POISONED with it (three crashes: up to `concurrency` of
   * them). Alone, only the job that takes its runner down again gathers expiries. Suspects are
   * never held leased while waiting (their lease would expire with a crash they took no part in):
   * found in a batch, they are handed back and claimed one at a time once the runs in flight ended.
   */
  let alone = false;
  const suspect = (job: ClaimedJob) => job.expiries > 0;

  function run(job: ClaimedJob): Promise<ProcessedJob | undefined> {
    const lease = new LeaseKeeper(job, queue, leaseMs, now, (e) => onError(e, job));
    leases.set(job.id, lease);
    lease.start();
    if (!accepting) lease.requestStop();
    const done = processJob(job, lease, deps)
      .then((processed) => {
        options.onProcessed?.(processed);
        return processed;
      })
      .catch((error: unknown) => {
        onError(error, job);
        return undefined;
      })
      .finally(() => {
        lease.finish();
        leases.delete(job.id);
        inFlight.delete(done);
        if (job.runKey !== null && waitingKeys.delete(job.runKey)) more();
        grant();
        // Without a backlog, hand-offs fill the slots and the idle look finds retries come due.
        if ((backlog && room()) || (alone && !inFlight.size)) wake?.();
      });
    inFlight.add(done);
    return done;
  }

  /**
   * Claims what fits; jobs the claim set aside as POISONED are reported like any failed run. The
   * slots a claim asks for count as busy from its start until the caller calls `started` with its
   * jobs running: else a waiting accept was handed one of them meanwhile.
   */
  async function claim(limit = free()): Promise<{ jobs: ClaimedJob[]; poisoned: ProcessedJob[]; started: () => void }> {
    if (!accepting || limit <= 0 || options.paused?.()) return { jobs: [], poisoned: [], started: () => undefined };
    let jobs: ClaimBatch;
    const seen = wakes;
    claiming += limit;
    try {
      jobs = await queue.claim(workerId, leaseMs, limit);
    } catch (error) {
      claiming -= limit;
      onError(error);
      return { jobs: [], poisoned: [], started: () => undefined };
    }
    claiming -= limit - jobs.length;
    if (jobs.length) options.onClaimed?.(jobs);
    const poisoned = (jobs.poisoned ?? []).map((p): ProcessedJob => ({
      jobId: p.id, runId: p.runId, flow: p.flow, disposition: "failed", attempts: p.attempts, version: p.version, error: p.error,
    }));
    for (const p of poisoned) options.onProcessed?.(p);
    const started = () => {
      claiming -= jobs.length;
      // Short, with no wake since it began: nothing claimable is left, accepts may have slots again.
      if (jobs.length < limit && wakes === seen) {
        backlog = false;
        overloaded = false;
      }
      grant();
    };
    return { jobs, poisoned, started };
  }

  /** Hands suspects back uncounted, to be claimed alone; what remains may run together. */
  async function setAside(jobs: readonly ClaimedJob[]): Promise<ClaimedJob[]> {
    const suspects = jobs.filter(suspect);
    if (!suspects.length) return [...jobs];
    alone = true;
    // Accepts waiting for a slot go on without one: no hand-off runs beside a suspect.
    grant();
    await Promise.all(suspects.map((job) => queue.release(job).catch((error: unknown) => onError(error, job))));
    return jobs.filter((job) => !suspect(job));
  }

  async function background(): Promise<void> {
    while (accepting) {
      if (alone) {
        // Runs in flight (and jobs being handed over) end first; then one job at a time until the
        // next one is no suspect.
        if (!inFlight.size && !reserved) {
          const { jobs, started } = await claim(1);
          alone = jobs.length > 0 && suspect(jobs[0]!);
          for (const job of jobs) void run(job);
          started();
          if (!jobs.length || !alone) continue;
        }
        await new Promise<void>((resolve) => (wake = () => {
          wake = undefined;
          resolve();
        }));
        continue;
      }
      // A wake during the claim found no `wake` to call: look again at once rather than after idleMs.
      const seen = wakes;
      const claimed = await claim();
      const jobs = await setAside(claimed.jobs);
      for (const job of jobs) void run(job);
      claimed.started();
      if (alone) continue;
      const full = !room();
      // A stop during the claim found no `wake` to call either.
      if (((jobs.length || wakes !== seen) && !full) || !accepting) continue;
      // Full with a backlog: a finishing job wakes us once there is room. Else look again after
      // idleMs, and ahead of further hand-offs: only a claim reaps expired leases and finds retries
      // come due, and hand-offs alone could keep every slot busy for good.
      await new Promise<void>((resolve) => {
        const timer = full && backlog ? undefined : setTimeout(() => {
          more();
          resolve();
        }, options.idleMs ?? 500);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
  }

  return {
    wake(runKeys = []) {
      more();
      for (const key of runKeys) {
        if (key === null) continue;
        if (waitingKeys.size >= WAITING_KEYS) waitingKeys.clear();
        waitingKeys.add(key);
      }
      if (free() > 0) wake?.();
    },
    reserve(jobs, waitMs) {
      // Closed: waiting would only delay the sender; a backlog or busy slots are worth a wait.
      if (jobs <= 0 || closed()) return Promise.resolve(0);
      if (!waiters.length && canGrant() && free() > 0) {
        const slots = Math.min(jobs, free());
        reserved += slots;
        return Promise.resolve(slots);
      }
      if (waitMs <= 0 || overloaded || waiters.length >= MAX_WAITERS) return Promise.resolve(0);
      return new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          overloaded = true;
          resolve(0);
        }, waitMs);
        const waiter: Waiter = {
          jobs,
          grant: (slots) => {
            clearTimeout(timer);
            resolve(slots);
          },
        };
        waiters.push(waiter);
      });
    },
    closeIntake() {
      intakeClosed = true;
      grant();
    },
    handOff: (limit) => ({ workerId, leaseMs, limit }),
    adopt(slots, jobs) {
      reserved -= slots;
      if (!reserved) for (const ended of reservationsEnded.splice(0)) ended();
      if (jobs.length) {
        options.onClaimed?.(jobs);
        // Stopping meanwhile: run() hands each back uncounted before its first upstream call.
        for (const job of jobs) void run(job);
      }
      grant();
      // Slots given back unused (a duplicate, a failed commit) may be what a parked loop waits for.
      if ((backlog && room()) || (alone && !inFlight.size && !reserved)) wake?.();
    },
    get inFlight() {
      return inFlight.size;
    },
    start() {
      accepting = true;
      loop ??= background().finally(() => (loop = undefined));
    },
    async runOnce() {
      const { jobs, poisoned, started } = await claim();
      // Here suspects wait leased for the others (tests drive this; nothing crashes meanwhile).
      const together = jobs.filter((job) => !suspect(job)).map(run);
      started();
      const settled = await Promise.all(together);
      for (const job of jobs.filter(suspect)) settled.push(await run(job));
      return [...poisoned, ...settled.filter((p): p is ProcessedJob => p !== undefined)];
    },
    async stop({ graceMs = 30_000 } = {}) {
      accepting = false;
      // Accepts still waiting for a slot go on without one: their jobs are queued for whoever runs next.
      for (const waiter of waiters.splice(0)) waiter.grant(0);
      wake?.();
      await loop;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      // Jobs an accept is leasing to us now are ours to hand back: wait for them to arrive, within
      // the grace if there is one (a commit hung on a failing database must not hang shutdown; their
      // leases expire). Without one (tests), until they arrived.
      if (reserved) await Promise.race([new Promise<void>((ended) => reservationsEnded.push(ended)), ...(graceMs > 0 ? [grace] : [])]);
      if (inFlight.size && graceMs > 0) await Promise.race([Promise.all(inFlight), grace]);
      clearTimeout(timer);
      for (const lease of leases.values()) lease.requestStop();
      await Promise.all(inFlight);
    },
  };
}
