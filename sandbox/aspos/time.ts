/** AsPos timestamps: ISO 8601 UTC with the fraction's trailing zeros dropped (`.9Z`, `.42Z`, none). */
export function formatInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : "Z"));
}

/** Lenient parse (0–7 fraction digits); NaN when the text is no instant. */
export function parseInstant(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return Number.NaN;
  return Date.parse(text);
}

const amsterdam = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Amsterdam",
  hourCycle: "h23",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
});

function amsterdamOffsetMinutes(utcMs: number): number {
  const parts = Object.fromEntries(amsterdam.formatToParts(utcMs).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return Math.round((local - Math.floor(utcMs / 60_000) * 60_000) / 60_000);
}

/**
 * Date-only values travel as local midnight in Europe/Amsterdam expressed in UTC (verified on
 * stock-info dates). Accepts `YYYY-MM-DD` or an instant (returned normalised); undefined if neither.
 */
export function toAmsterdamMidnight(value: string): string | undefined {
  const ymd = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!ymd) {
    const ms = parseInstant(value);
    return Number.isNaN(ms) ? undefined : formatInstant(ms);
  }
  const utcMidnight = Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3]));
  // The offset at local midnight equals the offset an hour or two before UTC midnight, except on
  // DST switch days, which fall on Sundays at 02:00/03:00 local, well after midnight.
  const offset = amsterdamOffsetMinutes(utcMidnight - 2 * 3_600_000);
  return formatInstant(utcMidnight - offset * 60_000);
}
