/**
 * The instant a poll without a stored position starts from (schedule.startAt): `null` for
 * `beginning` (everything the source holds), `firstPoll` for `now`, else the date (midnight UTC) or
 * timestamp; undefined when the text names no real instant (2025-02-30).
 */
export function pollStart(startAt: string | undefined, firstPoll: number): number | null | undefined {
  if (startAt === undefined || startAt === "beginning") return null;
  if (startAt === "now") return firstPoll;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(startAt);
  const ms = Date.parse(dateOnly ? `${startAt}T00:00:00Z` : startAt);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2025-02-30 over into March instead of refusing it.
  if (dateOnly && new Date(ms).toISOString().slice(0, 10) !== startAt) return undefined;
  return ms;
}
