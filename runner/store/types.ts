import type { ErrorCode } from "../../common/errors.ts";
import type { ShadowStore } from "./shadow-types.ts";
import type { Millis } from "../time/millis.ts";
import type { ClaimedJob } from "../queue/types.ts";

/**
 * The one persistence interface of the runner: webhook ingest, scheduler, worker, API and dashboard
 * need nothing else. Two implementations (SQLite embedded, PostgreSQL scale-out) pass the same
 * contract suite in tests/runner/store. Times are epoch milliseconds from the injected clock.
 */

export type { Millis };

export type RunStatus = "queued" | "running" | "done" | "skipped" | "failed" | "retrying";

/** One flow an accepted event is for: one job and one queued run are created per entry. */
export interface JobSpec {
  readonly flow: string;
  /**
   * Ordering key within the flow (`run.key`, e.g. the order number): jobs of one flow with the same
   * key run one at a time in acceptance order. Absent means no ordering constraint.
   */
  readonly runKey?: string | null;
}

export interface NewEvent {
  readonly source: string;
  /** Unique per source: the upstream event id, or a hash of the body. */
  readonly dedupKey: string;
  readonly payload: unknown;
  /**
   * `payload` as JSON text, when the caller has it already (the webhook body as received): stored
   * as it is instead of encoding the payload again. It must parse to `payload`.
   */
  readonly payloadJson?: string;
  /** The subset of request headers worth keeping (never secrets). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Mapping version (git SHA) active when the event was accepted; the worker runs this one. */
  readonly flowVersion: string;
  readonly jobs: readonly JobSpec[];
  /** Recorded on the runs: `webhook` (default), `schedule`, `manual`. */
  readonly trigger?: string;
  /** Copied onto the runs for the dashboard's free-text search (order number, email). */
  readonly searchText?: string | null;
  readonly receivedAt?: Millis;
}

export interface AcceptResult {
  readonly eventId: string;
  /** True when source+dedupKey was accepted before; nothing new was stored then. */
  readonly duplicate: boolean;
  /** The queued runs created for this event, in `jobs` order; empty for a duplicate. */
  readonly runIds: readonly string[];
  /** Of those, the jobs leased to the accept's hand-off worker (absent: none), to run now without a claim. */
  readonly leased?: readonly ClaimedJob[];
}

/**
 * In-process hand-off: the accepting transaction leases up to `limit` of its new jobs to a worker of
 * this process, which runs them once the commit is durable. The jobs row stays the truth: a runner
 * killed before it finished them loses the lease, and they are claimed again like any other job.
 */
export interface HandOff {
  readonly workerId: string;
  readonly leaseMs: number;
  readonly limit: number;
}

export interface InboxEvent {
  readonly eventId: string;
  readonly source: string;
  readonly dedupKey: string;
  readonly receivedAt: Millis;
  readonly headers: Readonly<Record<string, string>> | null;
  /** Null once retention or erasure removed it. */
  readonly payload: unknown;
  readonly flowVersion: string;
  readonly flows: readonly string[];
}

export interface RunError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Upstream details (AFAS errorNumber, profitLogReference, HTTP status…). */
  readonly upstream?: unknown;
}

export interface RunSummary {
  readonly id: string;
  readonly eventId: string | null;
  readonly flow: string;
  readonly trigger: string;
  readonly version: string | null;
  readonly status: RunStatus;
  readonly attempts: number;
  readonly createdAt: Millis;
  /** First attempt. */
  readonly startedAt: Millis | null;
  readonly finishedAt: Millis | null;
  /** Duration of the last attempt, set when the run finishes. */
  readonly durationMs: number | null;
  readonly error: RunError | null;
  readonly searchText: string | null;
  readonly replayOf: string | null;
}

export interface Run extends RunSummary {
  readonly trace: unknown;
  /** The input as the caller stored it (already redacted). */
  readonly input: unknown;
}

/** Fields the worker sets; omitted fields stay as they are. */
export interface RunPatch {
  readonly status?: RunStatus;
  readonly version?: string | null;
  readonly attempts?: number;
  readonly startedAt?: Millis | null;
  readonly finishedAt?: Millis | null;
  readonly durationMs?: number | null;
  readonly error?: RunError | null;
  readonly trace?: unknown;
  readonly input?: unknown;
  readonly searchText?: string | null;
}

export interface RunFilter {
  readonly flow?: string;
  readonly status?: RunStatus | readonly RunStatus[];
  readonly eventId?: string;
  /** createdAt >= from */
  readonly from?: Millis;
  /** createdAt < to */
  readonly to?: Millis;
  /** Case-insensitive substring of searchText. */
  readonly search?: string;
  /** Newest first; default 50, at most 1000. */
  readonly limit?: number;
  /** Keyset paging: pass the last run of the previous page. */
  readonly before?: Pick<RunSummary, "id" | "createdAt">;
}

export interface FlowStats {
  readonly flow: string;
  readonly count: number;
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  /** Runs not finished yet (queued, running, retrying). */
  readonly pending: number;
  /** (done + skipped) / finished; null when nothing finished in the window. */
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

export interface LedgerEntry {
  readonly key: string;
  readonly result: unknown;
  readonly createdAt: Millis;
}

export interface NewReload {
  readonly sha: string | null;
  readonly ok: boolean;
  /** The candidate was swapped in (ok and not identical to the running version). */
  readonly activated: boolean;
  /** `file:line:col CODE message` records, as the reload produced them. */
  readonly errors: readonly unknown[];
  readonly replicaId?: string | null;
}

export interface Reload extends NewReload {
  readonly at: Millis;
}

export interface VersionState {
  readonly active: { readonly sha: string | null; readonly activatedAt: Millis } | null;
  readonly lastReload: Reload | null;
}

export interface Replica {
  readonly id: string;
  readonly version: string | null;
  readonly startedAt: Millis;
  readonly lastSeen: Millis;
}

/*
 * The store by role: each part of the runner names the role it needs (the worker a Ledger, the
 * scheduler an Inbox, retention a Retention), not the whole Store. The jobs table's lifecycle after
 * acceptance is the JobQueue's (runner/queue), which shares this database.
 */

/** Ingest: durable events with their queued runs and jobs, and the polling cursors. */
export interface Inbox {
  /** Durably commits the event, its queued runs and jobs before resolving (ingest answers after). */
  acceptEvent(event: NewEvent): Promise<AcceptResult>;
  /** Many events in one transaction (group commit); results in input order. */
  acceptEvents(batch: readonly NewEvent[], handOff?: HandOff): Promise<AcceptResult[]>;
  getEvent(eventId: string): Promise<InboxEvent | null>;
  getCursor(name: string): Promise<string | null>;
  setCursor(name: string, value: string): Promise<void>;
  /** Accepts polled records (deduplicated) and moves the cursor in one transaction. */
  enqueuePolled(cursorName: string, newCursor: string, events: readonly NewEvent[]): Promise<AcceptResult[]>;
}

/** The activity log: runs as the dashboard, API and alerts read them. */
export interface RunLog {
  getRun(id: string): Promise<Run | null>;
  /** False when no such run. */
  updateRun(id: string, patch: RunPatch): Promise<boolean>;
  listRuns(filter?: RunFilter): Promise<RunSummary[]>;
  /** Per flow over runs created in [from, to). */
  flowStats(window: { readonly from: Millis; readonly to?: Millis }): Promise<FlowStats[]>;
  /** Runs created per flow in each of `buckets` spans of `spanMs` from `from` on (the overview's sparklines), in one read. */
  runCounts(from: Millis, spanMs: number, buckets: number): Promise<{ readonly flow: string; readonly bucket: number; readonly count: number }[]>;
  failedRuns(limit?: number): Promise<RunSummary[]>;
}

/**
 * An AFAS insert whose answer is not (yet) in the ledger may have been made: the worker stores this
 * mark before the insert leaves (inside its connection slot) and the answer replaces it when the run
 * is recorded. A mark still there on a later try means the answer was lost on the way or the runner
 * stopped before recording it. Then only a replay of the run that left it may send (the operator
 * looked the record up and found it missing), or that run's own next attempt when its flow looks
 * the record up first (onLostAnswer). Any later entry for the key replaces it.
 */
export interface UncertainSend {
  readonly uncertain: true;
  readonly runId: string;
  /**
   * The lease of the attempt that wrote it. Two holders of one job (one stalled past its lease, the
   * other claimed it) that both take over the run's earlier mark: the first one's new mark differs
   * from the one both read, so the second one's replacement finds it changed and does not send.
   */
  readonly lease?: string;
}

/** A send's answer blanked by payload retention or an erasure: the send was made, what it answered is gone. */
export function isGoneAnswer(result: unknown): boolean {
  if (typeof result !== "object" || result === null) return false;
  const keys = Object.keys(result);
  return keys.length === 1 && ((result as { purged?: unknown }).purged === true || (result as { erased?: unknown }).erased === true);
}

export function isUncertainSend(result: unknown): result is UncertainSend {
  return typeof result === "object" && result !== null && (result as UncertainSend).uncertain === true && typeof (result as UncertainSend).runId === "string";
}

/** Idempotency: what each send got back, so a re-run or replay does not write twice. */
export interface Ledger {
  ledgerGet(key: string): Promise<LedgerEntry | null>;
  /** Insert if absent; an existing entry is never overwritten (but an UncertainSend mark) and is returned instead. */
  ledgerPut(key: string, result: unknown): Promise<{ readonly inserted: boolean; readonly entry: LedgerEntry }>;
  /**
   * Puts `mark` where the key has no entry, or has exactly `replaces`; else returns what is there.
   * Answered once committed: it outlives the process, and its sync follows with the next batch
   * (Driver.txCommitted), since the mark is written while its insert holds an AFAS slot.
   */
  ledgerMark(key: string, mark: UncertainSend, replaces: UncertainSend | null): Promise<{ readonly inserted: boolean; readonly entry: LedgerEntry }>;
  /** Takes back `mark` when the upstream refused the send outright (nothing was made); any other entry stays. */
  ledgerUnmark(key: string, mark: UncertainSend): Promise<void>;
  /** Whether any entry's key starts with `prefix`. */
  ledgerHasPrefix(prefix: string): Promise<boolean>;
}

/** An operator's hand on the ledger (`koppel forget`). */
export interface LedgerAdmin {
  /** Removes the entry under `key`, unless it is an UncertainSend mark and `marks` is false; returns what was there. */
  ledgerForget(key: string, marks: boolean): Promise<{ readonly removed: boolean; readonly entry: LedgerEntry | null }>;
}

/** What replicas share: versions, liveness and leader locks. */
export interface ClusterState {
  recordReload(reload: NewReload): Promise<void>;
  versionState(): Promise<VersionState>;
  heartbeat(replica: { readonly id: string; readonly version: string | null }): Promise<void>;
  /**
   * How far this process's clock is behind the database's, in ms (negative: ahead); 0 where the
   * database has no clock of its own (SQLite, in this process). Leases are stamped and judged with
   * each replica's own clock.
   */
  clockSkew(): Promise<number>;
  /** Replicas seen since `seenSince` (default: all), most recent first. */
  replicas(seenSince?: Millis): Promise<Replica[]>;
  /** A replica stopping cleanly: no longer listed (one killed drops off once it is not seen for a while). */
  leave(replicaId: string): Promise<void>;
  /** True when `holder` holds `name` until now + ttlMs (taken, renewed, or taken over after expiry). */
  tryLock(name: string, holder: string, ttlMs: number): Promise<boolean>;
  unlock(name: string, holder: string): Promise<void>;
}

/**
 * Privacy: payloads and runs age out; one person's data can be erased. A purge goes in bounded
 * steps, each its own transaction (sql/retention.ts): a pass cut short leaves the rest for the next.
 */
export interface Retention {
  /**
   * Blanks inbox payloads and run input/trace older than the cutoff, except events still queued;
   * shadow results of that age keep their verdict but lose their (masked) field values and reason.
   */
  purgePayloads(olderThan: Millis): Promise<{ readonly events: number; readonly runs: number; readonly ledger: number }>;
  /** Deletes finished runs, their unqueued events and ledger entries older than the cutoff, and the shadow results of runs gone. */
  purgeRuns(olderThan: Millis): Promise<{ readonly runs: number; readonly events: number; readonly ledger: number }>;
  /**
   * Blanks every payload and ledger result that mentions any of the terms (case-insensitively:
   * an address, its search token), and the input, trace, search text and error of every run that
   * mentions one or whose event does; deletes those runs' shadow results and any that mention one.
   * Finds them with reads, then writes by key in bounded steps (sql/erase.ts). Counts what changed.
   */
  erasePerson(terms: readonly string[]): Promise<{ readonly events: number; readonly runs: number; readonly ledger: number }>;
}

/** Every role over one database, as openStore returns it. */
/** Dashboard sessions logged out before they expired (the cookie itself is stateless). */
export interface SessionRevocations {
  revokeSession(id: string, until: Millis): Promise<void>;
  sessionRevoked(id: string): Promise<boolean>;
}

export interface Store extends Inbox, RunLog, Ledger, LedgerAdmin, ClusterState, Retention, ShadowStore, SessionRevocations {
  readonly kind: "sqlite" | "postgres";
  readonly now: () => Millis;

  close(): Promise<void>;
}
