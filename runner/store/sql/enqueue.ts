import type { Ctx } from "./context.ts";
import { all, one, type Program } from "./program.ts";

/** One unit of work for the queue, with the run that records it in the activity log. */
export interface JobRow {
  readonly eventId: string;
  readonly flow: string;
  readonly runKey: string | null;
  readonly version: string;
  readonly trigger: string;
  readonly searchText: string | null;
  readonly replayOf: string | null;
}

/** A lease taken in the inserting transaction: the job's first attempt, started at once (HandOff). */
export interface FirstLease {
  readonly lease: string;
  readonly until: number;
  readonly workerId: string;
}

/** Takes the ordering-key locks of a whole batch up front, in one round trip; a no-op on SQLite. */
export function* lockKeys(ctx: Ctx, runKeys: readonly (string | null | undefined)[]): Program<void> {
  const keys = runKeys.filter((k): k is string => k != null);
  if (ctx.d.keyLocks && keys.length) yield* all(ctx.d.keyLocks, [keys]);
}

/**
 * Whether a new job with this key would wait behind another: any job of the key still in the table
 * is older and unfinished. The caller holds the key's lock (lockKeys), so none can appear meanwhile.
 */
export function* keyBusy(runKey: string | null): Program<boolean> {
  if (runKey === null) return false;
  return (yield* one("SELECT 1 AS busy FROM jobs WHERE run_key = $1 LIMIT 1", [runKey])) !== undefined;
}

/**
 * Inserts the queued run and its job; callers take the key locks first (lockKeys). With `lease`, the
 * job is leased and its run running from the start: what a claim would make of it, without the claim.
 */
export function* insertJob(ctx: Ctx, row: JobRow, lease?: FirstLease): Program<{ runId: string; jobId: string; now: number }> {
  const runId = ctx.id();
  const jobId = ctx.id();
  const now = ctx.now();
  const attempts = lease ? 1 : 0;
  yield* all(
    `INSERT INTO runs (id, event_id, flow, trigger_kind, version, status, attempts, created_at, started_at, last_started_at, search_text, replay_of)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)`,
    [runId, row.eventId, row.flow, row.trigger, row.version, lease ? "running" : "queued", attempts, now, lease ? now : null, row.searchText, row.replayOf],
  );
  yield* all(
    `INSERT INTO jobs (id, run_id, event_id, flow, run_key, version, state, attempts, enqueued_at, not_before, lease, lease_until, worker_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)`,
    [jobId, runId, row.eventId, row.flow, row.runKey, row.version, lease ? "leased" : "ready", attempts, now, lease?.lease ?? null, lease?.until ?? null, lease?.workerId ?? null],
  );
  return { runId, jobId, now };
}
