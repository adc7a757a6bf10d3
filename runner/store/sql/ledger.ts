import type { LedgerEntry, UncertainSend } from "../types.ts";
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

/**
 * The conflict rule of every ledger insert: first writer wins, except over an UncertainSend mark
 * (stored as written, `uncertain` first, so its text starts as matched here).
 */
export const LEDGER_CONFLICT = `ON CONFLICT (key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at
  WHERE ledger.result LIKE '{"uncertain":true,%'`;

/** First writer wins: a second put for the same key (a racing replica) gets the stored entry back. */
export function* ledgerPut(ctx: Ctx, key: string, result: unknown): Program<{ inserted: boolean; entry: LedgerEntry }> {
  const createdAt = ctx.now();
  const inserted = yield* one(
    `INSERT INTO ledger (key, result, created_at) VALUES ($1, $2, $3) ${LEDGER_CONFLICT} RETURNING key`,
    [key, toJson(result ?? null), createdAt],
  );
  if (inserted) return { inserted: true, entry: { key, result: result ?? null, createdAt } };
  const entry = yield* ledgerGet(key);
  if (!entry) throw new InternalError(`ledger: ${key} conflicted but cannot be read back`);
  return { inserted: false, entry };
}

/** Removes `mark` (and only it: a later answer or another run's mark stays). */
export function* ledgerUnmark(key: string, mark: UncertainSend): Program<void> {
  yield* all("DELETE FROM ledger WHERE key = $1 AND result = $2", [key, toJson(mark)]);
}
