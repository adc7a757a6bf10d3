import { ConfigError } from "../../common/errors.ts";

/** What Koppel adds to JSONata. Each is pure; the clock and zone come from the run environment. */
export interface FunctionEnv {
  readonly maps: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly timezone: string;
  now(): number;
}

/** `$mapValue(table, key)`: the key's value, else the table's `default`, else an error naming both. */
export function mapValue(env: FunctionEnv, table: unknown, key: unknown): unknown {
  const name = String(table);
  const map = env.maps[name];
  if (!map) throw new ConfigError("UNKNOWN_MAP", `map "${name}" is not defined under maps: in the config`);
  if (key !== undefined && key !== null) {
    const k = String(key);
    if (Object.prototype.hasOwnProperty.call(map, k)) return map[k];
  }
  if (Object.prototype.hasOwnProperty.call(map, "default")) return map.default;
  throw new ConfigError(
    "MAP_KEY_MISSING",
    key === undefined || key === null
      ? `map "${name}" was asked with no key (the key expression gave nothing for this event) and has no default (keys: ${Object.keys(map).join(", ")})`
      : `map "${name}" has no key ${JSON.stringify(key)} and no default (keys: ${Object.keys(map).join(", ")})`,
  );
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `$localDate(timestamp)`: the calendar date in the configured zone. AFAS stores dates as local days,
 * so an order paid at 23:30 UTC in winter belongs to the next Amsterdam day.
 */
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

export function localDate(env: FunctionEnv, timestamp: unknown): string | undefined {
  if (timestamp === undefined || timestamp === null || timestamp === "") return undefined;
  // A time without an offset is read as the shop's own wall clock, so its date is the one written:
  // parsed, it would be taken in the machine's zone, and a fixture could pass on one box only.
  const local = typeof timestamp === "string" ? LOCAL_TIME.exec(timestamp) : null;
  if (local) return local[1];
  const ms = typeof timestamp === "number" ? timestamp : Date.parse(String(timestamp));
  if (Number.isNaN(ms)) throw new ConfigError("EXPR_RUNTIME", `$localDate: ${JSON.stringify(timestamp)} is not a timestamp`);
  let fmt = dateFormatters.get(env.timezone);
  if (!fmt) {
    // en-CA formats as YYYY-MM-DD, which is what AFAS date fields take.
    fmt = new Intl.DateTimeFormat("en-CA", { timeZone: env.timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    dateFormatters.set(env.timezone, fmt);
  }
  return fmt.format(ms);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The `±HHMM` offset JSONata's `$fromMillis` takes, for `$now(picture, timezone)`. Integrators name
 * zones as settings.timezone does (`Europe/Amsterdam`), and JSONata read such a name as digits:
 * `0NaN-NaN-NaN`, sent on to AFAS without an error. A zone name becomes its offset at `ms` (summer
 * and winter time alike); an offset or nothing passes as it is; anything else is an error.
 */
export function offsetFor(timezone: unknown, ms: number): unknown {
  if (timezone === undefined || timezone === null || (typeof timezone === "string" && /^[+-]\d{4}$/.test(timezone))) return timezone;
  let fmt = offsetFormatters.get(String(timezone));
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat("en-US", { timeZone: String(timezone), timeZoneName: "longOffset" });
    } catch {
      throw new ConfigError("EXPR_RUNTIME", `$now: ${JSON.stringify(timezone)} is no time zone; give a name such as "Europe/Amsterdam" or an offset such as "+0100"`);
    }
    offsetFormatters.set(String(timezone), fmt);
  }
  // "GMT" for UTC itself, else "GMT+01:00" / "GMT-03:30".
  const name = fmt.formatToParts(ms).find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const offset = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  return offset ? `${offset[1]}${offset[2]}${offset[3]}` : "+0000";
}

/** `$now()`: ISO timestamp from the injected clock, so fixture runs are repeatable. */
export function nowIso(env: FunctionEnv): string {
  return new Date(env.now()).toISOString();
}

/**
 * `$roundHalfUp(number, decimals)`: halves away from zero (2.445 → 2.45, −2.445 → −2.45), as tills,
 * AsPos and invoices round money; JSONata's `$round` rounds halves to even (5.445 → 5.44). The
 * decimal shift goes through the number's text, so 5.445 is 544.5 and not 544.4999….
 */
export function roundHalfUp(value: unknown, decimals: unknown = 0): number | undefined {
  if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return undefined;
  // Number(true) is 1 and Number([]) 0: only numbers and number texts (AsPos sends amounts as text).
  if (typeof value !== "number" && typeof value !== "string") {
    throw new ConfigError("EXPR_RUNTIME", `$roundHalfUp needs a number; got ${JSON.stringify(value)}`);
  }
  // 15 significant digits first: 3.50 × 1.21 computes as 4.234999999999999, a half cent the till saw as 4.235.
  const n = Number(Number(value).toPrecision(15));
  const d = Number(decimals);
  if (!Number.isFinite(n) || !Number.isInteger(d) || d < 0 || d > 15) {
    throw new ConfigError("EXPR_RUNTIME", `$roundHalfUp needs a number and whole decimals from 0 to 15; got ${JSON.stringify(value)}, ${JSON.stringify(decimals)}`);
  }
  const result = Math.sign(n) * shift(Math.round(shift(Math.abs(n), d)), -d);
  return Object.is(result, -0) ? 0 : result;
}

/** `x` times 10^k by moving the decimal point in its text, with no binary rounding in between. */
function shift(x: number, k: number): number {
  const [mantissa, exponent = "0"] = String(x).split("e");
  return Number(`${mantissa}e${Number(exponent) + k}`);
}

