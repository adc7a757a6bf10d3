import { ConfigError } from "../../../common/errors.ts";
import type { Filter } from "../../../engine/flow/port.ts";
import { filterValue } from "./filters.ts";

/**
 * Change polling on a GetConnector by (ModifiedDate, key…).
 *
 * Profit prints ModifiedDate in whole seconds but stores and sorts fractions, so inside one printed
 * second rows come in an order the client cannot see. The poller therefore treats a second as the
 * unit: it reads later seconds sorted by (ModifiedDate, key), keeps the seconds that arrived whole,
 * and re-reads the last (possibly cut) second sorted by key alone. The cursor is "second S, last key
 * K within S"; the next poll first finishes S with `key > K`, then moves on to S+1s.
 * A lag keeps the poller out of the last few seconds, where writes may still be committing.
 */

export const CHANGED_FIELD = "ModifiedDate";

export interface PollCursor {
  /** A second, local wall-clock time without `Z`. */
  readonly t: string;
  /** Key values of the last row read within that second; null when the second was read whole. */
  readonly k: readonly unknown[] | null;
  /** The repeated hour (its first second) this cursor was sent back to the start of: see rewindForRepeatedHour. */
  readonly r?: string;
}

export function encodeCursor(c: PollCursor): string {
  return JSON.stringify(c);
}

export function decodeCursor(text: string): PollCursor {
  try {
    const c = JSON.parse(text) as PollCursor;
    if (typeof c.t === "string" && (c.k === null || Array.isArray(c.k)) && (c.r === undefined || typeof c.r === "string")) return c;
  } catch {
    // reported below
  }
  throw new ConfigError("INVALID_VALUE", `AFAS poll cursor is not valid: ${text.slice(0, 80)}`);
}

/** Moves a wall-clock text by whole seconds; it is never treated as an instant. */
export function addSeconds(t: string, seconds: number): string {
  return new Date(Date.parse(`${t}Z`) + seconds * 1000).toISOString().slice(0, 19);
}

export const nextSecond = (t: string): string => addSeconds(t, 1);

/**
 * The hour the clocks go back (last Sunday of October, 02:00–03:00) happens twice on Profit's
 * wall clock, and rows changed in the repeat carry times the cursor has passed already: without
 * this they were never read. Once the repeat has begun, a cursor inside that hour goes back to its
 * start, once (`r` remembers it while the cursor is still in the hour). Rows of the first pass are
 * read again; their ModifiedDate is the same, so the inbox takes them as duplicates.
 */
export function rewindForRepeatedHour(cursor: PollCursor, nowMs: number): PollCursor {
  const hour = `${cursor.t.slice(0, 13)}:00:00`;
  if (cursor.r === hour) return cursor;
  const wall = Date.parse(`${hour}Z`);
  // Amsterdam is 1 or 2 hours ahead: the hour is repeated when both readings show it.
  const repeatStart = wall - 3_600_000;
  if (profitLocalTime(wall - 7_200_000) !== hour || profitLocalTime(repeatStart) !== hour || nowMs < repeatStart) return cursor;
  return { t: new Date(wall - 1000).toISOString().slice(0, 19), k: null, r: hour };
}

/** `position` with the rewound hour still noted while it lies before that hour's end. */
export function keepRewound(position: PollCursor, rewound: string | undefined): PollCursor {
  if (rewound === undefined || position.t >= nextSecond(`${rewound.slice(0, 13)}:59:59`)) return { t: position.t, k: position.k };
  return { ...position, r: rewound };
}

export const secondOf = (row: Record<string, unknown>): string => filterValue(row[CHANGED_FIELD]);

// Built on first use: a time-zone formatter pages in ~6 MB of ICU data, which a runner without
// AFAS polling never needs.
let amsterdam: Intl.DateTimeFormat | undefined;

/** Profit's clock reading for an instant: Amsterdam wall-clock time. */
export function profitLocalTime(ms: number): string {
  amsterdam ??= new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Amsterdam", hourCycle: "h23",
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  const p = Object.fromEntries(amsterdam.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** Rows of second `t` after key `after` (lexicographic over compound keys), to be sorted by key. */
export function withinSecond(t: string, keys: readonly string[], after: readonly unknown[] | null, bound: Filter): Filter[][] {
  const second: Filter[] = [
    { field: CHANGED_FIELD, op: "ge", value: t },
    { field: CHANGED_FIELD, op: "lt", value: nextSecond(t) },
    bound,
  ];
  if (!after) return [second];
  return keys.map((key, i) => [
    ...second,
    ...keys.slice(0, i).map((k, j): Filter => ({ field: k, op: "eq", value: after[j] })),
    { field: key, op: "gt", value: after[i] },
  ]);
}

export function fromSecond(t: string | null, bound: Filter): Filter[][] {
  return [t === null ? [bound] : [{ field: CHANGED_FIELD, op: "ge", value: t }, bound]];
}
