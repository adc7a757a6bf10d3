import type { EffectChange } from "../../../common/effect-change.ts";
import type { ShadowCandidate, ShadowCounts, ShadowFilter, ShadowResult, ShadowVerdict } from "../shadow-types.ts";
import { fromJson, num, toJson } from "./context.ts";
import { all, one, type Program } from "./program.ts";
import { keysetBefore, pageSize } from "./runs.ts";
import { SHADOW_VERDICTS } from "../shadow-verdicts.ts";

interface CandidateRow {
  ref: string;
  sha: string;
  started_at: number;
  until_at: number | null;
  read_budget: number;
  started_by: string;
}

export function* shadowCandidate(now: number): Program<ShadowCandidate | null> {
  const row = yield* one<CandidateRow>("SELECT * FROM shadow_candidate WHERE id = 1");
  if (!row) return null;
  const until = num(row.until_at);
  if (until !== null && until <= now) return null;
  return {
    ref: row.ref,
    sha: row.sha,
    startedAt: num(row.started_at) ?? 0,
    ...(until !== null ? { until } : {}),
    readBudget: num(row.read_budget) ?? 0,
    by: row.started_by,
  };
}

export function* setShadowCandidate(c: ShadowCandidate | null): Program<void> {
  yield* all("DELETE FROM shadow_candidate WHERE id = 1");
  if (!c) return;
  yield* all(
    "INSERT INTO shadow_candidate (id, ref, sha, started_at, until_at, read_budget, started_by) VALUES (1, $1, $2, $3, $4, $5, $6)",
    [c.ref, c.sha, c.startedAt, c.until ?? null, c.readBudget, c.by],
  );
}

export function* configShadowStarted(): Program<string | null> {
  const row = yield* one<{ spec: string }>("SELECT spec FROM shadow_config_started WHERE id = 1");
  return row?.spec ?? null;
}

export function* setConfigShadowStarted(spec: string, at: number): Program<void> {
  yield* all("DELETE FROM shadow_config_started WHERE id = 1");
  yield* all("INSERT INTO shadow_config_started (id, spec, started_at) VALUES (1, $1, $2)", [spec, at]);
}

/**
 * A live run is shadowed only after its record (with its trace) is committed, so a run whose trace
 * is gone by now was erased (`koppel erase`) or purged while its result waited in the backlog: that
 * result would bring back what erasure removed, and is not stored.
 */
export function* saveShadowResults(results: readonly ShadowResult[]): Program<void> {
  for (const r of results) {
    yield* all(
      `INSERT INTO shadow_results (run_id, candidate_sha, flow, live_version, created_at, verdict, reason, outcome, effects, live_reads)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = $1 AND trace IS NULL)
       ON CONFLICT (run_id, candidate_sha) DO UPDATE SET flow = excluded.flow, live_version = excluded.live_version,
         created_at = excluded.created_at, verdict = excluded.verdict, reason = excluded.reason, outcome = excluded.outcome,
         effects = excluded.effects, live_reads = excluded.live_reads`,
      [r.runId, r.candidateSha, r.flow, r.liveVersion, r.createdAt, r.verdict, r.reason ?? null, toJson(r.outcome) ?? null, toJson(r.effects), r.liveReads],
    );
  }
}

interface ResultRow {
  run_id: string;
  candidate_sha: string;
  flow: string;
  live_version: string;
  created_at: number;
  verdict: ShadowVerdict;
  reason: string | null;
  outcome: string | null;
  effects: string;
  live_reads: number;
}

function toResult(r: ResultRow): ShadowResult {
  const outcome = fromJson(r.outcome) as ShadowResult["outcome"] | null;
  return {
    runId: r.run_id,
    flow: r.flow,
    candidateSha: r.candidate_sha,
    liveVersion: r.live_version,
    createdAt: num(r.created_at) ?? 0,
    verdict: r.verdict,
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(outcome ? { outcome } : {}),
    effects: fromJson(r.effects) as EffectChange[],
    liveReads: num(r.live_reads) ?? 0,
  };
}

export function* listShadowResults(filter: ShadowFilter = {}): Program<ShadowResult[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown) => {
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  if (filter.candidateSha !== undefined) add("candidate_sha", filter.candidateSha);
  if (filter.runId !== undefined) add("run_id", filter.runId);
  if (filter.verdict !== undefined) add("verdict", filter.verdict);
  if (filter.flow !== undefined) add("flow", filter.flow);
  if (filter.since !== undefined) {
    params.push(filter.since);
    where.push(`created_at >= $${params.length}`);
  }
  if (filter.before) where.push(keysetBefore(params, filter.before.createdAt, "run_id", filter.before.runId));
  params.push(pageSize(filter.limit));
  const rows = yield* all<ResultRow>(
    `SELECT * FROM shadow_results ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY created_at DESC, run_id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toResult);
}

export function* getShadowResult(runId: string, candidateSha: string): Program<ShadowResult | null> {
  const row = yield* one<ResultRow>("SELECT * FROM shadow_results WHERE run_id = $1 AND candidate_sha = $2", [runId, candidateSha]);
  return row ? toResult(row) : null;
}

export function* shadowCounts(candidateSha: string, since = 0): Program<ShadowCounts> {
  const rows = yield* all<{ verdict: ShadowVerdict; n: number }>(
    "SELECT verdict, COUNT(*) AS n FROM shadow_results WHERE candidate_sha = $1 AND created_at >= $2 GROUP BY verdict",
    [candidateSha, since],
  );
  const counts = Object.fromEntries(SHADOW_VERDICTS.map((v) => [v, 0])) as Record<ShadowVerdict, number>;
  for (const r of rows) if (r.verdict in counts) counts[r.verdict] = num(r.n) ?? 0;
  return counts;
}
