import type { ClaimBatch, ClaimedJob, JobQueue } from "../queue/types.ts";
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
   * New jobs were just committed in this process (a webhook accept): claim now instead of after the
   * idle wait. The durable jobs row stays the truth; this only saves the up-to-500 ms poll lag.
   */
  wake(): void;
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
  const room = () => options.concurrency - inFlight.size >= claimAt;
  const leases = new Map<string, LeaseKeeper>();
  const inFlight = new Set<Promise<ProcessedJob | undefined>>();
  let accepting = true;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
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
        if (room() || (alone && !inFlight.size)) wake?.();
      });
    inFlight.add(done);
    return done;
  }

  /** Claims what fits; jobs the claim set aside as POISONED are reported like any failed run. */
  async function claim(limit = options.concurrency - inFlight.size): Promise<{ jobs: ClaimedJob[]; poisoned: ProcessedJob[] }> {
    if (!accepting || limit <= 0 || options.paused?.()) return { jobs: [], poisoned: [] };
    let jobs: ClaimBatch;
    try {
      jobs = await queue.claim(workerId, leaseMs, limit);
    } catch (error) {
      onError(error);
      return { jobs: [], poisoned: [] };
    }
    const poisoned = (jobs.poisoned ?? []).map((p): ProcessedJob => ({
      jobId: p.id, runId: p.runId, flow: p.flow, disposition: "failed", attempts: p.attempts, version: p.version, error: p.error,
    }));
    for (const p of poisoned) options.onProcessed?.(p);
    return { jobs, poisoned };
  }

  /** Hands suspects back uncounted, to be claimed alone; what remains may run together. */
  async function setAside(jobs: readonly ClaimedJob[]): Promise<ClaimedJob[]> {
    const suspects = jobs.filter(suspect);
    if (!suspects.length) return [...jobs];
    alone = true;
    await Promise.all(suspects.map((job) => queue.release(job).catch((error: unknown) => onError(error, job))));
    return jobs.filter((job) => !suspect(job));
  }

  async function background(): Promise<void> {
    while (accepting) {
      if (alone) {
        // Runs in flight end first; then one job at a time until the next one is no suspect.
        if (!inFlight.size) {
          const { jobs } = await claim(1);
          alone = jobs.length > 0 && suspect(jobs[0]!);
          for (const job of jobs) void run(job);
          if (!jobs.length || !alone) continue;
        }
        await new Promise<void>((resolve) => (wake = () => {
          wake = undefined;
          resolve();
        }));
        continue;
      }
      const claimed = await claim();
      const jobs = await setAside(claimed.jobs);
      for (const job of jobs) void run(job);
      if (alone) continue;
      const full = !room();
      if (jobs.length && !full) continue;
      // Full: a finishing job wakes us once there is room. Empty queue: look again after idleMs.
      await new Promise<void>((resolve) => {
        const timer = full ? undefined : setTimeout(resolve, options.idleMs ?? 500);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
  }

  return {
    wake() {
      if (inFlight.size < options.concurrency) wake?.();
    },
    get inFlight() {
      return inFlight.size;
    },
    start() {
      accepting = true;
      loop ??= background().finally(() => (loop = undefined));
    },
    async runOnce() {
      const { jobs, poisoned } = await claim();
      // Here suspects wait leased for the others (tests drive this; nothing crashes meanwhile).
      const settled = await Promise.all(jobs.filter((job) => !suspect(job)).map(run));
      for (const job of jobs.filter(suspect)) settled.push(await run(job));
      return [...poisoned, ...settled.filter((p): p is ProcessedJob => p !== undefined)];
    },
    async stop({ graceMs = 30_000 } = {}) {
      accepting = false;
      wake?.();
      await loop;
      if (inFlight.size && graceMs > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
        await Promise.race([Promise.all(inFlight), grace]);
        clearTimeout(timer);
      }
      for (const lease of leases.values()) lease.requestStop();
      await Promise.all(inFlight);
    },
  };
}
