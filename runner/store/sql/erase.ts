import { likePattern } from "./runs.ts";
import { all, placeholders, type Program } from "./program.ts";

/**
 * Erasing one person (`koppel erase`) in two phases, so the write lock is never held for a scan.
 * Finding what mentions them is a pattern match over every payload, trace and ledger result: on a
 * store of 100,000 events each pass took ~0.5 s, and as one write transaction it held the lock all
 * that time, while `koppel serve` waited in SQLite's busy handler on its event loop (past 5 s its
 * commits fail). So the scan is plain reads, a window of rows at a time (a read that spanned the
 * whole store would keep the WAL from restarting meanwhile), and the changes are then written by
 * key, a bounded chunk per transaction.
 *
 * JSON is stored as text, so a case-insensitive substring match (LIKE) finds an address wherever it
 * sits; each row it finds is then checked for the address as a whole (mentionsWhole), or erasing
 * `jansen@example.nl` would blank `lotte.jansen@example.nl`'s events too, and fail her queued order.
 *
 * What arrives after the scan read its table (a webhook accepted during the erasure) is not erased:
 * as before, an erasure covers what the store held when it ran.
 */

/** Rows one read of the scan looks at. */
export const ERASE_SCAN_ROWS = 2000;

/** A table the scan reads: its unique key in scan order, the columns that may mention a person. */
interface Scanned {
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: readonly string[];
  /** Also read for each row that mentions the person. */
  readonly also?: readonly string[];
}

export const SCANNED = {
  events: { table: "inbox", key: ["seq"], columns: ["payload", "headers"], also: ["event_id"] },
  runs: { table: "runs", key: ["seq"], columns: ["input", "trace", "search_text", "error"], also: ["id", "event_id"] },
  ledger: { table: "ledger", key: ["key"], columns: ["result"] },
  shadow: { table: "shadow_results", key: ["run_id", "candidate_sha"], columns: ["effects", "reason"] },
} as const satisfies Record<string, Scanned>;

export interface ScanWindow {
  /** The rows of the window that mention a term. */
  readonly hits: readonly Record<string, unknown>[];
  /** Where the next window starts; null: the table is done. */
  readonly next: readonly unknown[] | null;
}

/** One window of a table: at most `limit` rows after `after`, and those of them that mention a term. */
export function* scanWindow(scanned: Scanned, terms: readonly string[], after: readonly unknown[] | null, limit: number): Program<ScanWindow> {
  const params: unknown[] = terms.map(likePattern);
  // A column's text is read only where it matched, to be checked whole below.
  const candidates = scanned.columns
    .map((column) => `CASE WHEN ${terms.map((_, i) => `lower(${column}) LIKE $${i + 1} ESCAPE '\\'`).join(" OR ")} THEN ${column} END AS ${column}`)
    .join(", ");
  const keys = scanned.key.join(", ");
  let from = "";
  if (after) {
    const tuple = after.map((_, i) => `$${params.length + i + 1}`).join(", ");
    from = scanned.key.length === 1 ? `WHERE ${keys} > ${tuple}` : `WHERE (${keys}) > (${tuple})`;
    params.push(...after);
  }
  params.push(limit);
  const rows = yield* all<Record<string, unknown>>(
    `SELECT ${[...scanned.key, ...(scanned.also ?? [])].join(", ")}, ${candidates}
     FROM ${scanned.table} ${from} ORDER BY ${keys} LIMIT $${params.length}`,
    params,
  );
  const last = rows[rows.length - 1];
  const lowered = terms.map((t) => t.toLowerCase());
  return {
    hits: rows.filter((row) => scanned.columns.some((c) => typeof row[c] === "string" && lowered.some((t) => mentionsWhole(row[c] as string, t)))),
    next: rows.length < limit || !last ? null : scanned.key.map((k) => last[k]),
  };
}

/** What may stand right before an address and be part of it (its local part). */
const PART_BEFORE = /[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]/u;
/** What may follow and continue it (its domain); a dot only when more of a domain follows. */
const PART_AFTER = /[\p{L}\p{N}_-]|\.[\p{L}\p{N}]/uy;

/** A JSON escape just before a position (`\n`, `\t`, `\u00e9`): a character of its own, not the letter it ends with. */
const ESCAPE_BEFORE = /\\(?:[bfnrt"\/\\]|u[0-9a-f]{4})$/;

/** `term` (lower case) occurs in `text` as a whole: not as the tail of a longer address, nor the head of a longer domain. */
export function mentionsWhole(text: string, term: string): boolean {
  const lower = text.toLowerCase();
  for (let at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
    // The stored text is JSON: "line one\njansen@…" has `n` before the address, and is a whole one.
    const escaped = ESCAPE_BEFORE.test(lower.slice(Math.max(0, at - 6), at));
    const before = at > 0 && !escaped ? lower[at - 1]! : "";
    PART_AFTER.lastIndex = at + term.length;
    if (!PART_BEFORE.test(before) && !PART_AFTER.test(lower)) return true;
  }
  return false;
}

/** The runs of these events, read by the runs' event index. */
export function* runsOfEvents(eventIds: readonly string[]): Program<string[]> {
  const rows = yield* all<{ id: string }>(`SELECT id FROM runs WHERE event_id IN (${placeholders(eventIds.length, 1)})`, eventIds);
  return rows.map((row) => row.id);
}

export function* blankEvents(seqs: readonly unknown[]): Program<number> {
  const rows = yield* all(
    `UPDATE inbox SET payload = NULL, headers = NULL
     WHERE seq IN (${placeholders(seqs.length, 1)}) AND (payload IS NOT NULL OR headers IS NOT NULL) RETURNING 1 AS one`,
    seqs,
  );
  return rows.length;
}

/**
 * Blanks the runs and deletes their shadow results in one transaction: a shadow result is only
 * stored for a run that still has a trace (shadow.ts), so none can slip in after it. A job waiting
 * to retry keeps a copy of its run's error (which may quote the record): blanked with it.
 */
export function* blankRuns(ids: readonly string[]): Program<number> {
  const list = placeholders(ids.length, 1);
  const rows = yield* all(
    `UPDATE runs SET input = NULL, trace = NULL, search_text = NULL, error = NULL
     WHERE id IN (${list}) AND (input IS NOT NULL OR trace IS NOT NULL OR search_text IS NOT NULL OR error IS NOT NULL)
     RETURNING 1 AS one`,
    ids,
  );
  yield* all(`DELETE FROM shadow_results WHERE run_id IN (${list})`, ids);
  yield* all(`UPDATE jobs SET last_error = NULL WHERE run_id IN (${list}) AND last_error IS NOT NULL`, ids);
  return rows.length;
}

/** Shadow results that mention the person themselves (their run may be gone already). */
export function* deleteShadowResults(keys: readonly (readonly [unknown, unknown])[]): Program<void> {
  const values = keys.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(", ");
  yield* all(`DELETE FROM shadow_results WHERE (run_id, candidate_sha) IN (VALUES ${values})`, keys.flat());
}

/** The key stays, so the write is still never repeated; the record AFAS or AsPos answered goes. */
export function* eraseLedger(keys: readonly unknown[]): Program<number> {
  const rows = yield* all(
    `UPDATE ledger SET result = '{"erased":true}' WHERE key IN (${placeholders(keys.length, 1)}) AND result <> '{"erased":true}' RETURNING 1 AS one`,
    keys,
  );
  return rows.length;
}
