import type { Millis, RunError, RunPatch } from "../store/types.ts";

/**
 * The one queue interface the worker uses. Jobs are created by the store together with the inbox
 * row (Store.acceptEvents / enqueuePolled) or here for replays. Ordering: among jobs of one flow with
 * the same runKey, only the oldest unfinished one can be claimed, and never while another is leased.
 * Each state change also updates the job's run (activity log) in the same transaction.
 */
export interface NewJob {
  /** An accepted event (the inbox keeps its payload). */
  readonly eventId: string;
  readonly flow: string;
  readonly runKey?: string | null;
  /** Mapping version to run; default: the version recorded when the event was accepted. */
  readonly version?: string;
  /** Default `replay` when replayOf is set, else `manual`. */
  readonly trigger?: string;
  readonly replayOf?: string | null;
  readonly searchText?: string | null;
}

export interface Job {
  readonly id: string;
  readonly runId: string;
  readonly eventId: string;
  readonly flow: string;
  readonly runKey: string | null;
  /** Mapping version this job runs on. */
  readonly version: string;
  /** Claims so far, this one included; an abandoned (expired) lease counts. */
  readonly attempts: number;
  readonly enqueuedAt: Millis;
  readonly lastError: RunError | null;
}

export interface ClaimedJob extends Job {
  /** Proof of ownership: every later call is refused (returns false) once the lease was lost. */
  readonly lease: string;
  readonly leaseUntil: Millis;
  readonly workerId: string;
  readonly source: string;
  /**
   * The event came in as a webhook (the inbox kept its headers; a poll or a schedule tick has none),
   * so a webhook trigger's filter applies: a polled record's source is its connection's name,
   * which can be a webhook source's name too.
   */
  readonly fromWebhook: boolean;
  /** The event payload from the inbox (null if erased). */
  readonly payload: unknown;
  /** The run this one replays (an operator's replay), or null. */
  readonly replayOf: string | null;
  /** Earlier leases of this job that expired: its runner died or hung while holding it. */
  readonly expiries: number;
}

export type Lease = Pick<ClaimedJob, "id" | "lease">;

/** A send's idempotency key and what upstream answered, stored when its run is settled. */
export interface LedgerWrite {
  readonly key: string;
  readonly result: unknown;
}

/** A job whose lease expired `poisonAfter` times: failed for good with code POISONED, never run again. */
export interface PoisonedJob extends Pick<Job, "id" | "runId" | "eventId" | "flow" | "version" | "attempts"> {
  readonly error: RunError;
}

/**
 * A claim: the leased jobs, plus the jobs this claim found abandoned for the last allowed time and
 * failed (POISONED), so the claimer reports them like any failed run (metrics, alerts).
 */
export type ClaimBatch = ClaimedJob[] & { readonly poisoned: readonly PoisonedJob[] };

/** How many lease expiries make a job poisoned, unless the queue is opened with another number. */
export const DEFAULT_POISON_AFTER = 3;

export interface QueueDepth {
  /** Claimable now. */
  readonly ready: number;
  /** Due, but waiting behind an earlier job of the same flow and key (one retrying later, or running). */
  readonly blocked: number;
  /** Waiting for a retry time. */
  readonly delayed: number;
  readonly leased: number;
  readonly total: number;
}

export interface JobQueue {
  readonly kind: "sqlite" | "pg-boss";
  /** Replays and manual runs: a new queued run (linked by replayOf) plus its job, in one transaction. */
  enqueue(jobs: readonly NewJob[]): Promise<{ readonly jobId: string; readonly runId: string }[]>;
  /**
   * Leases up to `limit` jobs for `leaseMs`, oldest first. Expired leases (a worker killed mid-job)
   * are reclaimed first, so their jobs come back here, with attempts counted; a job whose lease
   * expired `poisonAfter` times is failed as POISONED instead and listed in `poisoned`.
   */
  claim(workerId: string, leaseMs: number, limit: number): Promise<ClaimBatch>;
  /** Pushes the lease end to now + leaseMs for long runs. */
  extend(job: Lease, leaseMs: number): Promise<boolean>;
  /*
   * Settling a job: `ledger` holds the run's sends not stored yet; they are written in the same
   * transaction, first and whether or not the lease still holds (the upstream writes happened).
   */
  /** Finished (run status `done` unless the patch says `skipped`). */
  complete(job: Lease, run?: RunPatch, ledger?: readonly LedgerWrite[]): Promise<boolean>;
  /** Finished for good (run status `failed`, goes to the failed list). */
  fail(job: Lease, error: RunError, run?: RunPatch, ledger?: readonly LedgerWrite[]): Promise<boolean>;
  /** Not before `at`; later jobs with the same key keep waiting behind it (run status `retrying`). */
  retryLater(job: Lease, at: Millis, error: RunError, run?: RunPatch, ledger?: readonly LedgerWrite[]): Promise<boolean>;
  /**
   * Hands the job back without counting the attempt: at once (graceful shutdown), or not before
   * `later.at`, with the reason on its run (a replica without the version that accepted it).
   */
  release(job: Lease, ledger?: readonly LedgerWrite[], later?: { readonly at: Millis; readonly error: RunError; readonly run?: RunPatch }): Promise<boolean>;
  /**
   * A run waiting for its next attempt (`retrying`, its job not due yet) is due now: the operator
   * fixed what it failed on. False when its job is not waiting (claimed meanwhile, finished, none).
   */
  retryNow(runId: string): Promise<boolean>;
  /** The run a queued run waits behind (same flow and key, earlier or running), or null. */
  blockedBy(runId: string): Promise<string | null>;
  depth(): Promise<QueueDepth>;
  /** Stops the queue's own machinery (pg-boss); the store stays open. */
  close(): Promise<void>;
}
