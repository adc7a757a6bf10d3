import type { Ctx } from "./context.ts";
import { all, type Program } from "./program.ts";

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

/** Takes the ordering-key locks of a whole batch up front, in one round trip; a no-op on SQLite. */
export function* lockKeys(ctx: Ctx, runKeys: readonly (string | null | undefined)[]): Program<void> {
  const keys = runKeys.filter((k): k is string => k != null);
  if (ctx.d.keyLocks && keys.length) yield* all(ctx.d.keyLocks, [keys]);
}

/** Inserts the queued run and its job; callers take the key locks first (lockKeys). */
export function* insertJob(ctx: Ctx, row: JobRow): Program<{ runId: string; jobId: string }> {
  const runId = ctx.id();
  const jobId = ctx.id();
  const now = ctx.now();
  yield* all(
    `INSERT INTO runs (id, event_id, flow, trigger_kind, version, status, attempts, created_at, search_text, replay_of)
     VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8)`,
    [runId, row.eventId, row.flow, row.trigger, row.version, now, row.searchText, row.replayOf],
  );
  yield* all(
    `INSERT INTO jobs (id, run_id, event_id, flow, run_key, version, state, attempts, enqueued_at, not_before)
     VALUES ($1, $2, $3, $4, $5, $6, 'ready', 0, $7, $7)`,
    [jobId, runId, row.eventId, row.flow, row.runKey, row.version, now],
  );
  return { runId, jobId };
}
