/**
 * Profit keeps wall-clock time in Amsterdam and prints it with a misleading `Z`. The simulator
 * stores `YYYY-MM-DDTHH:MM:SS.mmm` local strings so that sorting and range filters compare them
 * as text, exactly as they compare in Profit's database.
 */
const LOCAL = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Amsterdam",
  year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
  hourCycle: "h23",
});

export function amsterdamLocal(ms: number): string {
  const base = LOCAL.format(new Date(ms)).replace(" ", "T");
  return `${base}.${String(Math.floor(ms % 1000)).padStart(3, "0")}`;
}

/** GetConnector output: whole seconds plus the `Z` Profit adds. */
export function profitDateTime(local: string): string {
  return `${local.slice(0, 19)}Z`;
}

/** A filter value as Profit reads it: no `Z`, a bare date means midnight. */
export function normaliseDateFilter(value: string): string {
  const v = value.replace(/Z$/i, "");
  return v.length === 10 ? `${v}T00:00:00` : v;
}
