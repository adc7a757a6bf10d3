import type { FlowStats, Run, RunError, RunFilter, RunPatch, RunStatus, RunSummary } from "../types.ts";
import { fromJson, num, toJson } from "./context.ts";
import { all, one, placeholders, type Program } from "./program.ts";
import { KEY_SPACE } from "../search-text.ts";

const SUMMARY_COLUMNS =
  "id, event_id, flow, trigger_kind, version, status, attempts, created_at, started_at, finished_at, duration_ms, error, search_text, replay_of";

interface RunRow {
  id: string;
  event_id: string | null;
  flow: string;
  trigger_kind: string;
  version: string | null;
  status: RunStatus;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  error: string | null;
  search_text: string | null;
  replay_of: string | null;
  trace?: string | null;
  input?: string | null;
}

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    eventId: r.event_id,
    flow: r.flow,
    trigger: r.trigger_kind,
    version: r.version,
    status: r.status,
    attempts: num(r.attempts) ?? 0,
    createdAt: num(r.created_at) ?? 0,
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    durationMs: num(r.duration_ms),
    error: fromJson(r.error) as RunError | null,
    searchText: r.search_text,
    replayOf: r.replay_of,
  };
}

export function* getRun(id: string): Program<Run | null> {
  const row = yield* one<RunRow>(`SELECT ${SUMMARY_COLUMNS}, trace, input FROM runs WHERE id = $1`, [id]);
  return row ? { ...toSummary(row), trace: fromJson(row.trace), input: fromJson(row.input) } : null;
}

/** Column for each patchable field; JSON fields are encoded. */
const PATCH_COLUMNS: { readonly [K in keyof Required<RunPatch>]: readonly [string, (v: RunPatch[K]) => unknown] } = {
  status: ["status", (v) => v],
  version: ["version", (v) => v],
  attempts: ["attempts", (v) => v],
  startedAt: ["started_at", (v) => v],
  finishedAt: ["finished_at", (v) => v],
  durationMs: ["duration_ms", (v) => v],
  error: ["error", (v) => (v == null ? null : toJson(v))],
  trace: ["trace", (v) => toJson(v)],
  input: ["input", (v) => toJson(v)],
  searchText: ["search_text", (v) => v],
};

/** `SET` assignments for a patch, numbering parameters from `from`; empty when nothing to set. */
export function patchSql(patch: RunPatch, from: number): { sets: string[]; params: unknown[] } {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const key of Object.keys(PATCH_COLUMNS) as (keyof RunPatch)[]) {
    if (!(key in patch) || patch[key] === undefined) continue;
    const [column, encode] = PATCH_COLUMNS[key] as readonly [string, (v: unknown) => unknown];
    params.push(encode(patch[key]));
    sets.push(`${column} = $${from + params.length - 1}`);
  }
  return { sets, params };
}

export function* updateRun(id: string, patch: RunPatch): Program<boolean> {
  const { sets, params } = patchSql(patch, 2);
  const assignments = sets.length ? sets.join(", ") : "id = id";
  const rows = yield* all(`UPDATE runs SET ${assignments} WHERE id = $1 RETURNING id`, [id, ...params]);
  return rows.length > 0;
}

/**
 * `text` anywhere, for `lower(column) LIKE` (every letter folded, on SQLite too: openSqliteStore);
 * `%`, `_` and `\` in user text match themselves.
 */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The search text as typed searches see it: a run key's no-break spaces (KEY_SPACE) read as spaces. */
const SEARCHED = `replace(lower(search_text), '${KEY_SPACE}', ' ')`;

export function* listRuns(filter: RunFilter = {}): Program<RunSummary[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.flow !== undefined) add((p) => `flow = ${p}`, filter.flow);
  if (filter.eventId !== undefined) add((p) => `event_id = ${p}`, filter.eventId);
  if (filter.from !== undefined) add((p) => `created_at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `created_at < ${p}`, filter.to);
  if (filter.search) add((p) => `${SEARCHED} LIKE ${p} ESCAPE '\\'`, likePattern(filter.search));
  if (filter.status !== undefined) {
    const statuses: readonly RunStatus[] = typeof filter.status === "string" ? [filter.status] : filter.status;
    if (statuses.length === 0) return [];
    where.push(`status IN (${placeholders(statuses.length, params.length + 1)})`);
    params.push(...statuses);
  }
  if (filter.before) where.push(keysetBefore(params, filter.before.createdAt, "id", filter.before.id));
  params.push(pageSize(filter.limit));
  const rows = yield* all<RunRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM runs
     ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toSummary);
}

/** Newest first, a page after `createdAt`/`id` (the last row of the previous page): adds its parameters. */
export function keysetBefore(params: unknown[], createdAt: number, idColumn: string, id: string): string {
  params.push(createdAt, id);
  const [c, i] = [`$${params.length - 1}`, `$${params.length}`];
  return `(created_at < ${c} OR (created_at = ${c} AND ${idColumn} < ${i}))`;
}

/** Default 50, at most 1000 rows a page. */
export const pageSize = (limit: number | undefined) => Math.min(Math.max(limit ?? 50, 1), 1000);

const FINISHED = "status IN ('done', 'skipped', 'failed')";

export function* flowStats(from: number, to: number): Program<FlowStats[]> {
  const rows = yield* all<{ flow: string; count: number; done: number; skipped: number; failed: number; timed: number }>(
    `SELECT flow, COUNT(*) AS count,
       SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done,
       SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
       SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN ${FINISHED} AND duration_ms IS NOT NULL THEN 1 ELSE 0 END) AS timed
     FROM runs WHERE created_at >= $1 AND created_at < $2
     GROUP BY flow ORDER BY flow`,
    [from, to],
  );
  const percentiles = yield* durations(from, to);
  const stats: FlowStats[] = [];
  for (const r of rows) {
    const [count, done, skipped, failed, timed] = [r.count, r.done, r.skipped, r.failed, r.timed].map((v) => num(v) ?? 0) as [
      number, number, number, number, number,
    ];
    const finished = done + skipped + failed;
    stats.push({
      flow: r.flow,
      count,
      done,
      skipped,
      failed,
      pending: count - finished,
      successRate: finished ? (done + skipped) / finished : null,
      p50Ms: timed ? (percentiles.get(r.flow)?.p50 ?? null) : null,
      p95Ms: timed ? (percentiles.get(r.flow)?.p95 ?? null) : null,
    });
  }
  return stats;
}

export function* runCounts(from: number, spanMs: number, buckets: number): Program<{ flow: string; bucket: number; count: number }[]> {
  const rows = yield* all<{ flow: string; bucket: number; count: number }>(
    // CAST: SQLite binds JavaScript numbers as REAL, and REAL division keeps the fraction.
    `SELECT flow, CAST((created_at - $1) / $2 AS INTEGER) AS bucket, COUNT(*) AS count FROM runs
     WHERE created_at >= $1 AND created_at < $3 GROUP BY flow, CAST((created_at - $1) / $2 AS INTEGER)`,
    [from, spanMs, from + spanMs * buckets],
  );
  return rows.map((r) => ({ flow: r.flow, bucket: num(r.bucket) ?? 0, count: num(r.count) ?? 0 }));
}

/**
 * Nearest-rank p50 and p95 of finished runs' durations per flow, in one sorted pass over the
 * window (a read per flow and percentile sorted each flow's runs twice: ~1.2 s of a 1.5 s overview
 * at 300,000 runs a day, with webhooks waiting). Rank ceil(p × n) in integers: (n + 1) / 2 and
 * (95n + 99) / 100.
 */
function* durations(from: number, to: number): Program<Map<string, { p50: number | null; p95: number | null }>> {
  const rows = yield* all<{ flow: string; rn: number; n: number; duration_ms: number }>(
    `SELECT flow, rn, n, duration_ms FROM (
       SELECT flow, duration_ms, ROW_NUMBER() OVER (PARTITION BY flow ORDER BY duration_ms) AS rn, COUNT(*) OVER (PARTITION BY flow) AS n
       FROM runs WHERE created_at >= $1 AND created_at < $2 AND ${FINISHED} AND duration_ms IS NOT NULL
     ) ranked WHERE rn = (n + 1) / 2 OR rn = (95 * n + 99) / 100`,
    [from, to],
  );
  const out = new Map<string, { p50: number | null; p95: number | null }>();
  for (const r of rows) {
    const [rn, n] = [num(r.rn) ?? 0, num(r.n) ?? 0];
    const entry = out.get(r.flow) ?? { p50: null, p95: null };
    if (rn === Math.floor((n + 1) / 2)) entry.p50 = num(r.duration_ms);
    if (rn === Math.floor((95 * n + 99) / 100)) entry.p95 = num(r.duration_ms);
    out.set(r.flow, entry);
  }
  return out;
}
