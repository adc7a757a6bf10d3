/**
 * The instant a poll without a stored position starts from (schedule.startAt): `null` for
 * `beginning` (everything the source holds), `firstPoll` for `now`, else the timestamp, or a date's
 * midnight in `timezone` (settings.timezone: go-live day begins at the shop's midnight, not UTC's);
 * undefined when the text names no real instant (2025-02-30).
 */
export function pollStart(startAt: string | undefined, firstPoll: number, timezone = "UTC"): number | null | undefined {
  if (startAt === undefined || startAt === "beginning") return null;
  if (startAt === "now") return firstPoll;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(startAt);
  const ms = Date.parse(dateOnly ? `${startAt}T00:00:00Z` : startAt);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2025-02-30 over into March instead of refusing it.
  if (new Date(ms + (dateOnly ? 0 : offsetOf(startAt))).toISOString().slice(0, 10) !== startAt.slice(0, 10)) return undefined;
  return dateOnly ? ms - zoneOffset(ms, timezone) : ms;
}

/** The offset a timestamp's text states (`+01:00`, `Z`), in ms, so its own date can be checked. */
function offsetOf(text: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(text);
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
}

/** How far `timezone`'s wall clock is ahead of UTC around `ms` (one hour in Amsterdam's winter). */
function zoneOffset(ms: number, timezone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone: timezone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(ms)).map((p) => [p.type, p.value]),
  );
  return Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`) - ms;
}
