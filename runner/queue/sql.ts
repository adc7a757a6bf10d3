import type { RunError, RunPatch } from "../store/types.ts";
import { fromJson, num, toJson, type Ctx } from "../store/sql/context.ts";
import { insertJob, lockKeys } from "../store/sql/enqueue.ts";
import { all, one, placeholders, type Program } from "../store/sql/program.ts";
import { LEDGER_CONFLICT } from "../store/sql/ledger.ts";
import { patchSql, updateRun } from "../store/sql/runs.ts";
import type { ClaimBatch, ClaimedJob, Job, Lease, LedgerWrite, NewJob, PoisonedJob, QueueDepth } from "./types.ts";
import { InternalError, OperatorError } from "../../common/errors.ts";

/**
 * How ready jobs reach a claimer. SQLite reads them straight from the jobs table; pg-boss is handed
 * the claimable ones and fetches them. Everything else about a job lives in the shared jobs table.
 */
export interface Delivery {
  /** Ids of jobs to lease now (at most `limit`, oldest first); runs in the claim transaction. */
  take(ctx: Ctx, now: number, limit: number): Program<string[]>;
  /** The jobs left the leased state; drop what the delivery holds for them. */
  settle(deliveryIds: readonly string[]): Program<void>;
  close(): Promise<void>;
}

/**
 * A job waits behind another with its ordering key: an older unfinished one, or one leased now. The
 * stored key holds its scope (the flow's name, or a run.keyScope flows share: scopedKey), so jobs of
 * different flows wait for each other only where the flows chose to share their keys.
 */
const BEHIND_SIBLING = `EXISTS (
  SELECT 1 FROM jobs e
  WHERE e.run_key = j.run_key AND e.id <> j.id AND (e.seq < j.seq OR e.state = 'leased'))`;

/**
 * Claimable: ready, due, and the oldest unfinished job of its ordering key with no sibling leased.
 * `$1` is now. Shared by both deliveries.
 */
export const CLAIMABLE = `j.state = 'ready' AND j.not_before <= $1 AND (j.run_key IS NULL OR NOT ${BEHIND_SIBLING})`;

/** A leased jobs row joined with its inbox event, as a claim reads it. */
interface ClaimedRow {
  id: string;
  run_id: string;
  event_id: string;
  flow: string;
  run_key: string | null;
  version: string;
  attempts: number;
  expiries: number;
  enqueued_at: number;
  last_error: string | null;
  lease: string;
  lease_until: number;
  worker_id: string;
  delivery: string | null;
  source: string;
  from_webhook: number | boolean;
  payload: string | null;
}

function toClaimed(r: ClaimedRow): Omit<ClaimedJob, "replayOf"> {
  const job: Job = {
    id: r.id,
    runId: r.run_id,
    eventId: r.event_id,
    flow: r.flow,
    runKey: r.run_key,
    version: r.version,
    attempts: num(r.attempts) ?? 0,
    enqueuedAt: num(r.enqueued_at) ?? 0,
    lastError: fromJson(r.last_error) as RunError | null,
  };
  return {
    ...job, lease: r.lease, leaseUntil: num(r.lease_until) ?? 0, workerId: r.worker_id, source: r.source,
    fromWebhook: Boolean(r.from_webhook), payload: fromJson(r.payload), expiries: num(r.expiries) ?? 0,
  };
}

export function* enqueue(ctx: Ctx, jobs: readonly NewJob[]): Program<{ jobId: string; runId: string }[]> {
  // A replay also locks the run it replays, so two at once (two tabs, two operators) see each other.
  const replayed = jobs.flatMap((j) => (j.replayOf ? [`${REPLAY_LOCK}\u001f${j.replayOf}`] : []));
  yield* lockKeys(ctx, [...jobs.map((j) => j.runKey), ...replayed]);
  const created: { jobId: string; runId: string }[] = [];
  for (const job of jobs) {
    const event = yield* one<{ flow_version: string }>("SELECT flow_version FROM inbox WHERE event_id = $1", [job.eventId]);
    if (!event) throw new InternalError(`queue: event ${job.eventId} is not in the inbox`);
    if (job.replayOf) yield* refuseSecondReplay(job);
    created.push(
      yield* insertJob(ctx, {
        eventId: job.eventId,
        flow: job.flow,
        runKey: job.runKey ?? null,
        version: job.version ?? event.flow_version,
        trigger: job.trigger ?? (job.replayOf ? "replay" : "manual"),
        searchText: job.searchText ?? null,
        replayOf: job.replayOf ?? null,
      }),
    );
  }
  return created;
}

const REPLAY_LOCK = "replay of";

/**
 * A replay of a run whose earlier replay has not finished is refused: with the current version its
 * sends carry new idempotency keys, so both could write. Its siblings share its event and flow.
 */
function* refuseSecondReplay(job: NewJob): Program<void> {
  const pending = yield* one<{ id: string }>(
    `SELECT id FROM runs WHERE event_id = $1 AND flow = $2 AND replay_of = $3 AND status IN ('queued', 'running', 'retrying')`,
    [job.eventId, job.flow, job.replayOf],
  );
  if (pending) throw new OperatorError("REPLAY_REFUSED", unfinishedReplay(job.replayOf!, pending.id));
}

export const unfinishedReplay = (runId: string, replayId: string): string =>
  `run ${runId} has a replay that has not finished (run ${replayId}); a second one could write again`;

/** The error a poisoned job's run records. */
export function poisonedError(expiries: number): RunError {
  return {
    code: "POISONED",
    message:
      `the job's lease expired ${expiries} times: the runner holding it died or hung on every attempt ` +
      "(killed, out of memory, a crash in the run); it is not run again. Replay it once the cause is fixed.",
  };
}

/**
 * Leases whose holder vanished (kill -9) go back to ready, their attempt counted, unless this is
 * their `poisonAfter`-th expiry: a job that takes its runner down every time would otherwise be
 * retried forever, taking the replicas down one after the other. It fails for good instead.
 */
function* reap(ctx: Ctx, delivery: Delivery, now: number, poisonAfter: number): Program<PoisonedJob[]> {
  const expired = yield* all<{ id: string; run_id: string; event_id: string; flow: string; version: string; attempts: number; expiries: number; delivery: string | null }>(
    `SELECT id, run_id, event_id, flow, version, attempts, expiries, delivery FROM jobs
     WHERE state = 'leased' AND lease_until <= $1${ctx.d.skipLocked}`,
    [now],
  );
  if (!expired.length) return [];
  yield* delivery.settle(expired.flatMap((r) => (r.delivery ? [r.delivery] : [])));
  const dead = expired.filter((r) => (num(r.expiries) ?? 0) + 1 >= poisonAfter);
  const back = expired.filter((r) => !dead.includes(r));
  if (back.length) {
    const ids = back.map((r) => r.id);
    yield* all(
      `UPDATE jobs SET state = 'ready', lease = NULL, lease_until = NULL, worker_id = NULL, delivery = NULL, expiries = expiries + 1
       WHERE id IN (${placeholders(ids.length, 1)})`,
      ids,
    );
    const runIds = back.map((r) => r.run_id);
    yield* all(`UPDATE runs SET status = 'retrying' WHERE id IN (${placeholders(runIds.length, 1)})`, runIds);
  }
  if (!dead.length) return [];
  const error = poisonedError(poisonAfter);
  yield* all(`DELETE FROM jobs WHERE id IN (${placeholders(dead.length, 1)})`, dead.map((r) => r.id));
  yield* all(
    `UPDATE runs SET status = 'failed', finished_at = $1, error = $2 WHERE id IN (${placeholders(dead.length, 3)})`,
    [now, toJson(error), ...dead.map((r) => r.run_id)],
  );
  return dead.map((r) => ({ id: r.id, runId: r.run_id, eventId: r.event_id, flow: r.flow, version: r.version, attempts: num(r.attempts) ?? 0, error }));
}

export function* claim(ctx: Ctx, delivery: Delivery, workerId: string, leaseMs: number, limit: number, poisonAfter: number): Program<ClaimBatch> {
  const now = ctx.now();
  const poisoned = yield* reap(ctx, delivery, now, poisonAfter);
  // Not enumerable: a batch still compares, spreads and serialises as the plain list of its jobs.
  const batch = (jobs: ClaimedJob[]): ClaimBatch => Object.defineProperty(jobs, "poisoned", { value: poisoned }) as ClaimBatch;
  const ids = yield* delivery.take(ctx, now, limit);
  if (!ids.length) return batch([]);
  const lease = ctx.id();
  // Every statement finds its rows by job or run id (unique indexes): matching on `lease` or
  // `run_id` scanned the whole jobs table per claim, O(backlog), which was most of SQLite's CPU in
  // the lat0 profile once accepts ran ahead of the worker.
  const leased = yield* all<{ run_id: string; attempts: number }>(
    `UPDATE jobs SET state = 'leased', lease = $1, lease_until = $2, worker_id = $3, attempts = attempts + 1
     WHERE state = 'ready' AND id IN (${placeholders(ids.length, 4)}) RETURNING run_id, attempts`,
    [lease, now + leaseMs, workerId, ...ids],
  );
  if (!leased.length) return batch([]);
  const values = leased.map((_, i) => `($${2 * i + 2}, CAST($${2 * i + 3} AS INTEGER))`).join(", ");
  const started = yield* all<{ id: string; replay_of: string | null }>(
    `UPDATE runs SET status = 'running', started_at = COALESCE(runs.started_at, $1), last_started_at = $1, attempts = v.column2
     FROM (VALUES ${values}) AS v WHERE runs.id = v.column1 RETURNING runs.id, runs.replay_of`,
    [now, ...leased.flatMap((r) => [r.run_id, num(r.attempts) ?? 0])],
  );
  const replayOf = new Map(started.map((r) => [r.id, r.replay_of]));
  const rows = yield* all<ClaimedRow>(
    `SELECT j.*, i.source, COALESCE(i.headers, 'null') <> 'null' AS from_webhook, i.payload FROM jobs j JOIN inbox i ON i.event_id = j.event_id
     WHERE j.id IN (${placeholders(ids.length, 2)}) AND j.lease = $1 ORDER BY j.seq`,
    [lease, ...ids],
  );
  return batch(rows.map((row) => ({ ...toClaimed(row), replayOf: replayOf.get(row.run_id) ?? null })));
}

export function* extend(ctx: Ctx, job: Lease, leaseMs: number): Program<boolean> {
  const rows = yield* all(
    "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease = $2 AND state = 'leased' RETURNING id",
    [job.id, job.lease, ctx.now() + leaseMs],
  );
  return rows.length > 0;
}

/** The run's sends, kept whatever happens to its lease: they reached upstream. First writer wins. */
function* writeLedger(ctx: Ctx, entries: readonly LedgerWrite[]): Program<void> {
  const now = ctx.now();
  // Chunked: a statement holds at most LEDGER_ROWS × 3 parameters, far below both databases' limits.
  for (let from = 0; from < entries.length; from += LEDGER_ROWS) {
    const chunk = entries.slice(from, from + LEDGER_ROWS);
    const rows = chunk.map((_, i) => `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`).join(", ");
    yield* all(
      `INSERT INTO ledger (key, result, created_at) VALUES ${rows} ${LEDGER_CONFLICT}`,
      chunk.flatMap((e) => [e.key, toJson(e.result ?? null), now]),
    );
  }
}

const LEDGER_ROWS = 500;

/** A job to settle for good: its lease, the run's outcome, the run's sends not stored yet. */
export interface Finish {
  readonly job: Lease;
  readonly run: RunPatch;
  readonly ledger?: readonly LedgerWrite[];
}

/**
 * Complete or fail a batch of jobs in one transaction: the job rows go, each run records its
 * outcome, the runs' last sends enter the ledger. One ledger insert and one delete serve the whole
 * batch (statements per finished run: one UPDATE of its run row), so the jobs that finish in one
 * event-loop turn cost one commit between them, and on PostgreSQL one transaction instead of one per
 * run. Answers, per job, whether its lease still held (false: another claimer owns it now, and only
 * the ledger entries were kept).
 */
export function* finish(ctx: Ctx, delivery: Delivery, batch: readonly Finish[]): Program<boolean[]> {
  yield* writeLedger(ctx, batch.flatMap((f) => f.ledger ?? []));
  // `id IN` finds the rows by the unique index; the CASE keeps a row only under the lease its
  // finisher holds (a job can be in one batch once: a lease settles once).
  const n = batch.length;
  const leases = batch.map((_, i) => `WHEN $${i + 1} THEN CAST($${n + i + 1} AS TEXT)`).join(" ");
  const deleted = yield* all<{ id: string; run_id: string; delivery: string | null }>(
    `DELETE FROM jobs WHERE id IN (${placeholders(n, 1)}) AND state = 'leased' AND lease = CASE id ${leases} END
     RETURNING id, run_id, delivery`,
    [...batch.map((f) => f.job.id), ...batch.map((f) => f.job.lease)],
  );
  if (!deleted.length) return batch.map(() => false);
  const held = new Map(deleted.map((row) => [row.id, row]));
  const now = ctx.now();
  for (const f of batch) {
    const row = held.get(f.job.id);
    if (!row) continue;
    // One write of the run row (it holds the trace, the largest value of the run): the duration is
    // set in the same statement as the outcome.
    const { sets, params } = patchSql({ finishedAt: now, ...f.run }, 3);
    yield* all(`UPDATE runs SET duration_ms = $2 - last_started_at, ${sets.join(", ")} WHERE id = $1`, [row.run_id, now, ...params]);
  }
  yield* delivery.settle(deleted.flatMap((row) => (row.delivery ? [row.delivery] : [])));
  return batch.map((f) => held.has(f.job.id));
}

/** Back to ready at `at`; the job keeps its place, so later jobs with its key keep waiting. */
export function* requeue(
  ctx: Ctx,
  delivery: Delivery,
  job: Lease,
  at: number,
  error: RunError | null,
  run: RunPatch,
  countAttempt: boolean,
  ledger: readonly LedgerWrite[] = [],
): Program<boolean> {
  yield* writeLedger(ctx, ledger);
  const held = yield* one<{ delivery: string | null }>(
    "SELECT delivery FROM jobs WHERE id = $1 AND lease = $2 AND state = 'leased'",
    [job.id, job.lease],
  );
  if (!held) return false;
  const row = yield* one<{ run_id: string; attempts: number }>(
    `UPDATE jobs SET state = 'ready', not_before = $3, last_error = COALESCE($4, last_error),
       attempts = attempts - $5, lease = NULL, lease_until = NULL, worker_id = NULL, delivery = NULL
     WHERE id = $1 AND lease = $2 AND state = 'leased' RETURNING run_id, attempts`,
    [job.id, job.lease, at, toJson(error ?? undefined), countAttempt ? 0 : 1],
  );
  if (!row) return false;
  yield* updateRun(row.run_id, { attempts: num(row.attempts) ?? 0, ...(error ? { error } : {}), ...run });
  if (held.delivery) yield* delivery.settle([held.delivery]);
  return true;
}

export function* retryNow(ctx: Ctx, runId: string): Program<boolean> {
  const now = ctx.now();
  const due = yield* all(`UPDATE jobs SET not_before = $2 WHERE run_id = $1 AND state = 'ready' AND not_before > $2 RETURNING id`, [runId, now]);
  return due.length > 0;
}

/**
 * The run at the head of the line a ready job waits in: the oldest other unfinished job of its
 * ordering key, or one leased now. Null when nothing holds it back.
 */
export function* blockedBy(runId: string): Program<string | null> {
  const row = yield* one<{ run_id: string }>(
    `SELECT e.run_id FROM jobs j JOIN jobs e ON e.run_key = j.run_key AND e.id <> j.id AND (e.seq < j.seq OR e.state = 'leased')
     WHERE j.run_id = $1 AND j.state = 'ready' ORDER BY e.seq LIMIT 1`,
    [runId],
  );
  return row?.run_id ?? null;
}

export function* depth(now: number): Program<QueueDepth> {
  // A due job held back by its key is not "ready": with a run retrying for hours ahead of it, the
  // overview would count it as work a worker could take now.
  const row = yield* one<Record<keyof QueueDepth | "due", number | null>>(
    `SELECT
       SUM(CASE WHEN state = 'ready' AND not_before <= $1 AND run_key IS NOT NULL AND ${BEHIND_SIBLING} THEN 1 ELSE 0 END) AS blocked,
       SUM(CASE WHEN state = 'ready' AND not_before <= $1 THEN 1 ELSE 0 END) AS due,
       SUM(CASE WHEN state = 'ready' AND not_before > $1 THEN 1 ELSE 0 END) AS delayed,
       SUM(CASE WHEN state = 'leased' THEN 1 ELSE 0 END) AS leased,
       COUNT(*) AS total
     FROM jobs j`,
    [now],
  );
  const blocked = num(row?.blocked) ?? 0;
  return { ready: (num(row?.due) ?? 0) - blocked, blocked, delayed: num(row?.delayed) ?? 0, leased: num(row?.leased) ?? 0, total: num(row?.total) ?? 0 };
}
