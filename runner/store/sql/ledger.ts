import { isUncertainSend, type LedgerEntry, type UncertainSend } from "../types.ts";
import { fromJson, num, toJson, type Ctx } from "./context.ts";
import { all, one, type Program } from "./program.ts";
import { InternalError } from "../../../common/errors.ts";

export function* ledgerGet(key: string): Program<LedgerEntry | null> {
  const row = yield* one<{ key: string; result: string; created_at: number }>(
    "SELECT key, result, created_at FROM ledger WHERE key = $1",
    [key],
  );
  return row ? { key: row.key, result: fromJson(row.result), createdAt: num(row.created_at) ?? 0 } : null;
}

/** Whether any entry's key starts with `prefix` (`<eventId>:<flow>:`: what a run of that flow wrote). */
export function* ledgerHasPrefix(ctx: Ctx, prefix: string): Program<boolean> {
  return (yield* one(`SELECT 1 AS found FROM ledger WHERE ${ctx.d.startsWith("key", "$1")} LIMIT 1`, [prefix])) !== undefined;
}

/** How an UncertainSend mark's stored text starts (it is written with `uncertain` first), for LIKE. */
export const MARK_TEXT = `'{"uncertain":true,%'`;

/** The conflict rule of every ledger insert: first writer wins, except over an UncertainSend mark. */
export const LEDGER_CONFLICT = `ON CONFLICT (key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at
  WHERE ledger.result LIKE ${MARK_TEXT}`;

/** First writer wins: a second put for the same key (a racing replica) gets the stored entry back. */
export function* ledgerPut(ctx: Ctx, key: string, result: unknown): Program<{ inserted: boolean; entry: LedgerEntry }> {
  return yield* putWhere(ctx, key, result, LEDGER_CONFLICT, []);
}

/**
 * A mark goes in only where the key is free, or over the one mark its run may take over (`replaces`:
 * the run it replays, or its own after the wait). Another run's mark stays: two runs of one `once`
 * key, or two holders of one job after a lost lease, would otherwise both send.
 */
export function* ledgerMark(ctx: Ctx, key: string, mark: UncertainSend, replaces: UncertainSend | null): Program<{ inserted: boolean; entry: LedgerEntry }> {
  const conflict = `ON CONFLICT (key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at WHERE ledger.result = $4`;
  return yield* putWhere(ctx, key, mark, conflict, [replaces ? toJson(replaces) : null]);
}

function* putWhere(ctx: Ctx, key: string, result: unknown, conflict: string, more: unknown[]): Program<{ inserted: boolean; entry: LedgerEntry }> {
  const createdAt = ctx.now();
  const inserted = yield* one(
    `INSERT INTO ledger (key, result, created_at) VALUES ($1, $2, $3) ${conflict} RETURNING key`,
    [key, toJson(result ?? null), createdAt, ...more],
  );
  if (inserted) return { inserted: true, entry: { key, result: result ?? null, createdAt } };
  const entry = yield* ledgerGet(key);
  if (!entry) throw new InternalError(`ledger: ${key} conflicted but cannot be read back`);
  return { inserted: false, entry };
}

/** Removes the entry under `key`; an UncertainSend mark only when `marks` (a send of it may be under way). */
export function* ledgerForget(key: string, marks: boolean): Program<{ removed: boolean; entry: LedgerEntry | null }> {
  const entry = yield* ledgerGet(key);
  if (!entry || (!marks && isUncertainSend(entry.result))) return { removed: false, entry };
  yield* all("DELETE FROM ledger WHERE key = $1", [key]);
  return { removed: true, entry };
}

/** Removes `mark` (and only it: a later answer or another run's mark stays). */
export function* ledgerUnmark(key: string, mark: UncertainSend): Program<void> {
  yield* all("DELETE FROM ledger WHERE key = $1 AND result = $2", [key, toJson(mark)]);
}
