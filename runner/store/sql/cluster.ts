import type { NewReload, Reload, Replica, VersionState } from "../types.ts";
import { fromJson, num, toJson, type Ctx } from "./context.ts";
import { all, one, type Program } from "./program.ts";

interface ReloadRow {
  at: number;
  sha: string | null;
  ok: number;
  activated: number;
  errors: string;
  replica_id: string | null;
}

const toReload = (r: ReloadRow): Reload => ({
  at: num(r.at) ?? 0,
  sha: r.sha,
  ok: Number(r.ok) === 1,
  activated: Number(r.activated) === 1,
  errors: fromJson(r.errors) as unknown[],
  replicaId: r.replica_id,
});

export function* recordReload(ctx: Ctx, r: NewReload): Program<void> {
  yield* all(
    "INSERT INTO reloads (at, sha, ok, activated, errors, replica_id) VALUES ($1, $2, $3, $4, $5, $6)",
    [ctx.now(), r.sha, r.ok ? 1 : 0, r.activated ? 1 : 0, toJson(r.errors), r.replicaId ?? null],
  );
}

export function* versionState(): Program<VersionState> {
  const last = yield* one<ReloadRow>("SELECT * FROM reloads ORDER BY seq DESC LIMIT 1");
  const active = yield* one<ReloadRow>("SELECT * FROM reloads WHERE activated = 1 ORDER BY seq DESC LIMIT 1");
  return {
    active: active ? { sha: active.sha, activatedAt: num(active.at) ?? 0 } : null,
    lastReload: last ? toReload(last) : null,
  };
}

export function* heartbeat(ctx: Ctx, id: string, version: string | null): Program<void> {
  const now = ctx.now();
  yield* all(
    `INSERT INTO replicas (id, version, started_at, last_seen) VALUES ($1, $2, $3, $3)
     ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_seen = excluded.last_seen`,
    [id, version, now],
  );
}

/** The database clock minus ours, read between two readings of ours (the round trip halved). */
export function* clockSkew(ctx: Ctx): Program<number> {
  if (!ctx.d.serverNow) return 0;
  const before = ctx.now();
  const row = yield* one<{ now: number }>(`SELECT ${ctx.d.serverNow} AS now`);
  const after = ctx.now();
  return Math.round((num(row?.now) ?? after) - (before + after) / 2);
}

export function* leave(id: string): Program<void> {
  yield* all("DELETE FROM replicas WHERE id = $1", [id]);
}

export function* replicas(seenSince: number): Program<Replica[]> {
  const rows = yield* all<{ id: string; version: string | null; started_at: number; last_seen: number }>(
    "SELECT * FROM replicas WHERE last_seen >= $1 ORDER BY last_seen DESC, id",
    [seenSince],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, startedAt: num(r.started_at) ?? 0, lastSeen: num(r.last_seen) ?? 0 }));
}

/**
 * A lease row: whoever holds an unexpired row keeps it (and may renew); an expired row is taken over.
 * The conditional upsert is one statement, so two replicas racing for a tick cannot both win.
 */
export function* tryLock(ctx: Ctx, name: string, holder: string, ttlMs: number): Program<boolean> {
  const now = ctx.now();
  const rows = yield* all(
    `INSERT INTO locks (name, holder, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE locks.expires_at <= $4 OR locks.holder = excluded.holder
     RETURNING name`,
    [name, holder, now + ttlMs, now],
  );
  return rows.length > 0;
}

export function* unlock(name: string, holder: string): Program<void> {
  yield* all("DELETE FROM locks WHERE name = $1 AND holder = $2", [name, holder]);
}
