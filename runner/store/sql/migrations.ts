import type { Dialect } from "./dialect.ts";
import { all, type Program } from "./program.ts";
import { OperatorError } from "../../../common/errors.ts";

/**
 * Schema versions, append-only: a released migration is never edited, a change is a new entry.
 * JSON lives in TEXT columns on both dialects so every query is shared; times are epoch ms.
 */
interface Migration {
  readonly version: number;
  readonly statements: (d: Dialect) => string[];
  /**
   * Why a runner of an earlier release must not run beside this schema. Set, the migration is not
   * applied while any runner was seen lately (deploy.md §7): a rolling upgrade would otherwise run
   * old and new replicas side by side on it.
   */
  readonly exclusive?: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: (d) => [
      `CREATE TABLE inbox (
        seq ${d.serial},
        event_id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        received_at ${d.int} NOT NULL,
        headers TEXT,
        payload TEXT,
        flow_version TEXT NOT NULL,
        flows TEXT NOT NULL,
        UNIQUE (source, dedup_key)
      )`,
      `CREATE INDEX inbox_received ON inbox (received_at)`,
      `CREATE TABLE runs (
        seq ${d.serial},
        id TEXT NOT NULL UNIQUE,
        event_id TEXT,
        flow TEXT NOT NULL,
        trigger_kind TEXT NOT NULL,
        version TEXT,
        status TEXT NOT NULL,
        attempts ${d.int} NOT NULL DEFAULT 0,
        created_at ${d.int} NOT NULL,
        started_at ${d.int},
        last_started_at ${d.int},
        finished_at ${d.int},
        duration_ms ${d.int},
        error TEXT,
        trace TEXT,
        input TEXT,
        search_text TEXT,
        replay_of TEXT
      )`,
      `CREATE INDEX runs_created ON runs (created_at)`,
      `CREATE INDEX runs_flow_created ON runs (flow, created_at)`,
      `CREATE INDEX runs_status_created ON runs (status, created_at)`,
      `CREATE INDEX runs_event ON runs (event_id)`,
      // Only unfinished jobs live here: a finished job is deleted, its story is in runs.
      `CREATE TABLE jobs (
        seq ${d.serial},
        id TEXT NOT NULL UNIQUE,
        run_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        flow TEXT NOT NULL,
        run_key TEXT,
        version TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts ${d.int} NOT NULL DEFAULT 0,
        enqueued_at ${d.int} NOT NULL,
        not_before ${d.int} NOT NULL,
        lease TEXT,
        lease_until ${d.int},
        worker_id TEXT,
        last_error TEXT,
        delivery TEXT
      )`,
      `CREATE INDEX jobs_key ON jobs (flow, run_key, seq)`,
      `CREATE INDEX jobs_ready ON jobs (seq) WHERE state = 'ready'`,
      `CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'leased'`,
      `CREATE INDEX jobs_event ON jobs (event_id)`,
      `CREATE TABLE ledger (
        key TEXT PRIMARY KEY,
        result TEXT NOT NULL,
        created_at ${d.int} NOT NULL
      )`,
      `CREATE INDEX ledger_created ON ledger (created_at)`,
      `CREATE TABLE cursors (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at ${d.int} NOT NULL
      )`,
      `CREATE TABLE reloads (
        seq ${d.serial},
        at ${d.int} NOT NULL,
        sha TEXT,
        ok ${d.int} NOT NULL,
        activated ${d.int} NOT NULL,
        errors TEXT NOT NULL,
        replica_id TEXT
      )`,
      `CREATE TABLE replicas (
        id TEXT PRIMARY KEY,
        version TEXT,
        started_at ${d.int} NOT NULL,
        last_seen ${d.int} NOT NULL
      )`,
      `CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at ${d.int} NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    // The AFAS parallel-call slots replicas share (runner/cluster/). One row per slot of a key (an
    // AFAS environment): free when holder is NULL or lease_until (PostgreSQL's clock, epoch ms) has
    // passed. SQLite runs one process and keeps its cap in memory, so only PostgreSQL gets the table.
    statements: (d) => (d.name === "sqlite" ? [] : [
      `CREATE TABLE concurrency_slots (
        key TEXT NOT NULL,
        slot INTEGER NOT NULL,
        holder TEXT,
        lease_until ${d.int} NOT NULL DEFAULT 0,
        PRIMARY KEY (key, slot)
      )`,
    ]),
  },
  {
    version: 3,
    // Lease expiries per job (its runner died or hung holding it), apart from attempts, which also
    // count ordinary retries: a job that takes its process down every time is set aside (POISONED).
    statements: (d) => [`ALTER TABLE jobs ADD COLUMN expiries ${d.int} NOT NULL DEFAULT 0`],
  },
  {
    version: 4,
    // Shadow runs (runner/shadow/): at most one candidate (the row with id 1), and one result per
    // live run and candidate. Results go with their runs at retention and erasure.
    statements: (d) => [
      `CREATE TABLE shadow_candidate (
        id ${d.int} PRIMARY KEY CHECK (id = 1),
        ref TEXT NOT NULL,
        sha TEXT NOT NULL,
        started_at ${d.int} NOT NULL,
        until_at ${d.int},
        read_budget ${d.int} NOT NULL,
        started_by TEXT NOT NULL
      )`,
      `CREATE TABLE shadow_results (
        run_id TEXT NOT NULL,
        candidate_sha TEXT NOT NULL,
        flow TEXT NOT NULL,
        live_version TEXT NOT NULL,
        created_at ${d.int} NOT NULL,
        verdict TEXT NOT NULL,
        reason TEXT,
        outcome TEXT,
        effects TEXT NOT NULL,
        live_reads ${d.int} NOT NULL,
        PRIMARY KEY (run_id, candidate_sha)
      )`,
      `CREATE INDEX shadow_results_candidate ON shadow_results (candidate_sha, created_at, run_id)`,
      `CREATE INDEX shadow_results_created ON shadow_results (created_at)`,
    ],
  },
  {
    version: 5,
    // The config's `shadow:` last started at boot, kept after it expires, is stopped or replaced:
    // a restart starts it again only when the config asks for something else.
    statements: (d) => [
      `CREATE TABLE shadow_config_started (
        id ${d.int} PRIMARY KEY CHECK (id = 1),
        spec TEXT NOT NULL,
        started_at ${d.int} NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    // Dashboard sessions are cookies the runner does not otherwise remember: logging out lists the
    // session here until its cookie would have expired, so no replica takes a copy of it.
    statements: (d) => [`CREATE TABLE revoked_sessions (id TEXT PRIMARY KEY, until ${d.int} NOT NULL)`],
  },
  {
    version: 7,
    // "Already replayed" reads the runs of one event and flow, newest first, once per failed run on
    // the Failed page. Without statistics SQLite took runs_flow_created for it and walked every run
    // of the flow: 18 s for 200 failed runs among 300,000, with webhooks waiting. This index answers
    // it directly, and still serves every lookup by event alone.
    statements: () => [`CREATE INDEX runs_event_flow ON runs (event_id, flow, created_at)`, `DROP INDEX runs_event`],
  },
  {
    version: 8,
    // Ordering keys are stored within their scope, `<flow or run.keyScope>` U+001F `<key>` (scopedKey),
    // so flows that share a scope wait for each other; the claim compares run_key alone. Jobs
    // queued before keep their flow as their scope.
    exclusive: "runners of earlier releases store ordering keys without their scope, so two events of one key, one through each kind of runner, would run side by side",
    statements: (d) => [
      `UPDATE jobs SET run_key = flow || ${d.name === "sqlite" ? "char(31)" : "chr(31)"} || run_key WHERE run_key IS NOT NULL`,
      `CREATE INDEX jobs_run_key ON jobs (run_key, seq) WHERE run_key IS NOT NULL`,
      `DROP INDEX jobs_key`,
    ],
  },
];

/** Applies pending migrations; the driver runs it in one transaction under its migration lock. */
export function* migrate(d: Dialect, now: number): Program<number[]> {
  yield* all(`CREATE TABLE IF NOT EXISTS schema_migrations (version ${d.int} PRIMARY KEY, applied_at ${d.int} NOT NULL)`);
  const done = new Set((yield* all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue;
    if (m.exclusive) yield* refuseBesideRunners(m, now);
    for (const statement of m.statements(d)) yield* all(statement);
    yield* all("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [m.version, now]);
    applied.push(m.version);
  }
  return applied;
}

/** As long as /api/status counts a replica as running: four missed heartbeats (every 15 s). */
const SEEN_WITHIN_MS = 60_000;

/** A runner stopped gracefully (SIGTERM) leaves the replicas table at once; a killed one stops counting a minute later. */
function* refuseBesideRunners(m: Migration, now: number): Program<void> {
  const running = yield* all<{ id: string; version: string | null; last_seen: number }>(
    "SELECT id, version, last_seen FROM replicas WHERE last_seen >= $1 ORDER BY id",
    [now - SEEN_WITHIN_MS],
  );
  if (!running.length) return;
  const list = running.map((r) => `${r.id} (mapping ${r.version ?? "none"}, seen ${Math.round((now - Number(r.last_seen)) / 1000)} s ago)`).join(", ");
  throw new OperatorError("MIGRATION_BLOCKED",
    `schema migration ${m.version} cannot run while other runners are running: ${m.exclusive}. Running: ${list}. ` +
    "Stop every runner (a killed one stops counting a minute after its last heartbeat), then start this release (docs/deploy.md, Upgrading Koppel)");
}
