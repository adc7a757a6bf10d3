import type { Dialect } from "./dialect.ts";
import { MARK_TEXT } from "./ledger.ts";
import { all, type Program } from "./program.ts";

/**
 * Finished: done, skipped or failed. Written as "not pending" so SQLite's planner cannot take the
 * (status, created_at) index for it: a step must walk runs in seq order from its cursor, and with
 * that index it read and sorted every finished run again at each step (30,000 runs: 2.5 s a pass).
 */
const FINISHED = "status NOT IN ('queued', 'running', 'retrying')";
/** An event a job still waits for keeps its payload: the worker needs it. */
const NOT_QUEUED = "NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.event_id = inbox.event_id)";
/**
 * Nor do the answers of its run's sends go (their key starts with the event id): a retry takes
 * them from the ledger instead of sending again. Purged, it sent the order without the debtor
 * number the earlier attempt had made; deleted, it made the debtor a second time.
 */
const notQueuedKey = (d: Dialect) => `NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.event_id = ${d.beforeColon("ledger.key")})`;

/** What a ledger result becomes at payload retention: the key stays (no write is repeated), the record goes. */
export const PURGED_RESULT = '{"purged":true}';

/**
 * Rows per table one retention step touches at most. A pass goes in steps, each its own
 * transaction: the first pass after a restart, or after retention was shortened, can cover months
 * of events, and one transaction held the write lock for all of it, on SQLite the event loop too,
 * and kept an undo copy of every page it changed in memory until the end (the store keeps temp files
 * in memory). bench/retention.ts, 100,000 events: one transaction stalled the loop 1.1 s and grew
 * RSS by 110 MB; in steps the longest stall was 28 ms and RSS did not grow, for 1.4x the total time.
 */
export const RETENTION_STEP = 500;

/**
 * One table's share of a pass: the rows matching `where` get `change` (an UPDATE … SET or a
 * DELETE FROM). Rows are taken in `key` order after the last one the previous step took, so a pass
 * reads each row once: rows it leaves as they are (an event still queued, a payload already blank)
 * are not read again by every later step.
 */
interface Sweep<K extends string> {
  /** What the caller's counts call it; null: not counted. */
  readonly name: K | null;
  readonly table: string;
  /** Unique, in the order the pass walks. */
  readonly key: readonly string[];
  /** May use `$1…` for `params`. */
  readonly where: string;
  readonly params: readonly unknown[];
  readonly change: string;
  /**
   * False: every step starts from the first key again. For rows that start matching during the
   * pass at any key (results of runs an earlier step deleted), which a cursor would have passed.
   */
  readonly walk?: boolean;
}

/** Where each sweep of a pass has got to; null before its first step. */
export type Cursors = readonly (readonly unknown[] | null)[];

export interface Step<K extends string> {
  readonly counts: Record<K, number>;
  readonly cursors: Cursors;
  /** Some sweep filled its step: the next step may find more. */
  readonly more: boolean;
}

function* sweepStep<K extends string>(sweep: Sweep<K>, cursor: readonly unknown[] | null, limit: number): Program<{ n: number; cursor: readonly unknown[] | null; full: boolean }> {
  const keys = sweep.key.join(", ");
  const tuple = (from: number) => (sweep.key.length === 1 ? `$${from}` : `(${sweep.key.map((_, i) => `$${from + i}`).join(", ")})`);
  const lhs = sweep.key.length === 1 ? keys : `(${keys})`;
  const params = [...sweep.params];
  const after = cursor ? ` AND ${lhs} > ${tuple(params.length + 1)}` : "";
  if (cursor) params.push(...cursor);
  params.push(limit);
  const rows = yield* all<Record<string, unknown>>(
    `SELECT ${keys} FROM ${sweep.table} WHERE (${sweep.where})${after} ORDER BY ${keys} LIMIT $${params.length}`,
    params,
  );
  if (!rows.length) return { n: 0, cursor, full: false };
  const values = rows.map((row) => sweep.key.map((k) => row[k]));
  const base = sweep.params.length;
  const list = values.map((_, r) => tuple(base + 1 + r * sweep.key.length)).join(", ");
  // `where` again: on PostgreSQL another transaction may have queued a job for an event meanwhile.
  const changed = yield* all(
    `${sweep.change} WHERE ${lhs} IN (${sweep.key.length === 1 ? list : `VALUES ${list}`}) AND (${sweep.where}) RETURNING 1 AS one`,
    [...sweep.params, ...values.flat()],
  );
  return { n: changed.length, cursor: values[values.length - 1]!, full: rows.length >= limit };
}

function* step<K extends string>(sweeps: readonly Sweep<K>[], cursors: Cursors, limit: number): Program<Step<K>> {
  const counts = {} as Record<K, number>;
  const next: (readonly unknown[] | null)[] = [];
  let more = false;
  for (const [i, sweep] of sweeps.entries()) {
    const done = yield* sweepStep(sweep, sweep.walk === false ? null : (cursors[i] ?? null), limit);
    next.push(done.cursor);
    more ||= done.full;
    if (sweep.name !== null) counts[sweep.name] = done.n;
  }
  return { counts, cursors: next, more };
}

export function* purgePayloadsStep(d: Dialect, olderThan: number, cursors: Cursors, limit: number): Program<Step<"events" | "runs" | "ledger">> {
  return yield* step<"events" | "runs" | "ledger">(
    [
      {
        name: "events",
        table: "inbox",
        key: ["seq"],
        where: `received_at < $1 AND (payload IS NOT NULL OR headers IS NOT NULL) AND ${NOT_QUEUED}`,
        params: [olderThan],
        change: "UPDATE inbox SET payload = NULL, headers = NULL",
      },
      {
        name: "runs",
        table: "runs",
        key: ["seq"],
        where: `finished_at < $1 AND ${FINISHED} AND (input IS NOT NULL OR trace IS NOT NULL)`,
        params: [olderThan],
        change: "UPDATE runs SET input = NULL, trace = NULL",
      },
      // Ledger results are the AFAS/AsPos records a write answered with (names, emails, VAT
      // numbers): personal data like the payloads, so they go with them.
      {
        name: "ledger",
        table: "ledger",
        key: ["key"],
        // Not a mark: it holds no personal data, and as "purged" it would read as a send made.
        where: `created_at < $1 AND result <> $2 AND result <> '{"erased":true}' AND result NOT LIKE ${MARK_TEXT} AND ${notQueuedKey(d)}`,
        params: [olderThan, PURGED_RESULT],
        change: "UPDATE ledger SET result = $2",
      },
      // A shadow result's field values are masked, but still values from the same events.
      {
        name: null,
        table: "shadow_results",
        key: ["run_id", "candidate_sha"],
        where: `created_at < $1 AND (effects <> '[]' OR reason IS NOT NULL)`,
        params: [olderThan],
        change: "UPDATE shadow_results SET effects = '[]', reason = NULL",
      },
    ],
    cursors,
    limit,
  );
}

export function* purgeRunsStep(d: Dialect, olderThan: number, cursors: Cursors, limit: number): Program<Step<"runs" | "events" | "ledger">> {
  return yield* step<"runs" | "events" | "ledger">(
    [
      { name: "runs", table: "runs", key: ["seq"], where: `finished_at < $1 AND ${FINISHED}`, params: [olderThan], change: "DELETE FROM runs" },
      { name: "events", table: "inbox", key: ["seq"], where: `received_at < $1 AND ${NOT_QUEUED}`, params: [olderThan], change: "DELETE FROM inbox" },
      // A `once` send's key outlives its runs: forgetting it would let a later event send it again.
      // So does a mark: the insert it stands for may be in flight, or waiting for the operator.
      {
        name: "ledger", table: "ledger", key: ["key"],
        where: `created_at < $1 AND key NOT LIKE 'once:%' AND result NOT LIKE ${MARK_TEXT} AND ${notQueuedKey(d)}`,
        params: [olderThan], change: "DELETE FROM ledger",
      },
      // The results of runs gone, this step's included (it deleted them above).
      {
        name: null,
        table: "shadow_results",
        key: ["run_id", "candidate_sha"],
        where: "NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = shadow_results.run_id)",
        params: [],
        change: "DELETE FROM shadow_results",
        walk: false,
      },
    ],
    cursors,
    limit,
  );
}
