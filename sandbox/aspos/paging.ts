import { formatInstant, parseInstant } from "./time.ts";
import { invalidQuery } from "./problem.ts";

/** A position in the (updatedAt, key) order: "after this record". */
interface Position {
  readonly u: string;
  readonly i: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly headers: Record<string, string>;
}

const START: Position = { u: formatInstant(0), i: 0 };

function encode(p: Position): string {
  return Buffer.from(JSON.stringify({ u: p.u, i: p.i })).toString("base64url");
}

function decode(cursor: string): Position {
  try {
    const p = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<Position>;
    if (typeof p.u === "string" && !Number.isNaN(parseInstant(p.u)) && typeof p.i === "number") return { u: p.u, i: p.i };
  } catch {
    // falls through to the 400 below
  }
  throw invalidQuery("cursor is not a cursor this server issued.");
}

function compare(aMs: number, aKey: number, b: Position): number {
  const bMs = parseInstant(b.u);
  return aMs !== bMs ? aMs - bMs : aKey - b.i;
}

export interface PageQuery {
  readonly updatedSince?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit?: string | undefined;
}

/**
 * Keyset paging over (updatedAt, key). Timestamps are compared as instants, not strings, because
 * trimmed fractions (`.9Z` vs `.42Z`) do not sort as text. Ties on updatedAt are broken by the key,
 * which is what keeps a cursor from skipping or repeating records that share a timestamp.
 */
export function paginate<T extends { updatedAt: string }>(
  rows: readonly T[],
  query: PageQuery,
  keyOf: (row: T) => number,
): Page<T> {
  if (query.cursor !== undefined && query.updatedSince !== undefined) {
    throw invalidQuery("Use either cursor or updatedSince, not both.");
  }
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalidQuery("limit must be an integer from 1 to 500.");
  let from = START;
  if (query.cursor !== undefined) from = decode(query.cursor);
  if (query.updatedSince !== undefined) {
    const ms = parseInstant(query.updatedSince);
    if (Number.isNaN(ms)) throw invalidQuery("updatedSince must be an ISO 8601 instant.");
    // Ids are positive, so "after (since, 0)" includes every record stamped exactly at `since`.
    from = { u: formatInstant(ms), i: 0 };
  }
  const sorted = rows
    .map((row) => ({ row, ms: parseInstant(row.updatedAt), key: keyOf(row) }))
    .filter((r) => compare(r.ms, r.key, from) > 0)
    .sort((a, b) => a.ms - b.ms || a.key - b.key);
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  const next = last ? { u: last.row.updatedAt, i: last.key } : from;
  return {
    items: items.map((r) => r.row),
    headers: { "X-Next-Cursor": encode(next), "X-Has-More": String(sorted.length > limit) },
  };
}
