/**
 * Masks personal data in what the activity log keeps (run input, trace, error). The inbox payload is
 * not passed through here: retries and replays must send the real order to AFAS, so it stays whole
 * until retention or `koppel erase` blanks it.
 */

import { boundedMemo } from "../../common/bounded-memo.ts";
import type { RunError } from "../store/types.ts";
import { houseNumberForms, MIN_NEEDLE, scrubber, type Scrub } from "./scrub.ts";

export type PayloadMode = "redacted" | "full" | "none";

export interface RedactConfig {
  readonly payloads?: PayloadMode;
  /** Extra paths, dot notation, `*` for any one key; a path matches at any depth (arrays are transparent). */
  readonly redact?: readonly string[];
}

export const MASK = "[redacted]";

/**
 * Field names of names, emails, phones, addresses, tax and bank numbers, compared case-insensitively
 * and without `_` or `-` (so `first_name` and `e-mail` count too): AsPos's camelCase, AFAS's
 * KnPerson/KnOrganisation/KnBasicAddress field ids and the Profit_Debtor GetConnector's fields.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  "email", "emailaddress", "mail", "emad", "ema2",
  "phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "telephone", "tenr", "ten2", "mbnr", "mbn2", "telnr",
  "name", "fullname", "companyname", "contactname", "firstname", "lastname", "middlename", "initials", "prefix", "finm", "lanm", "in", "is", "senm", "canm", "nm",
  "debtorname", "searchname",
  "address", "addressline1", "addressline2", "addressline3", "addressline4", "adressline1", "adressline2", "adressline3", "adressline4",
  "street", "housenumber", "housenumberaddition", "postalcode", "postcode", "zipcode", "zip", "city",
  "ad", "hmnr", "hmad", "zpcd", "rs",
  "vatnumber", "vatid", "vatnr", "taxnumber", "cocnumber", "chofcommnr", "fiscalnumber", "bsn", "iban", "bankaccount", "vaid", "finr", "ccnr", "sose",
  "birthdate", "dateofbirth", "dabi",
  // AsPos's own name for the KvK number (a sole trader's is personal data), and a person's gender (ViGe in AFAS).
  "chamberofcommercenumber", "gender", "vige",
];

/** What the activity log keeps of one run attempt. */
export interface RunParts {
  readonly input: unknown;
  readonly trace: unknown;
  readonly error?: RunError | undefined;
  /**
   * Looked through for values to mask, not kept: the event when the run's input is the event
   * itself (stored once, in the inbox), so a reason or error quoting its customer is masked too.
   */
  readonly event?: unknown;
}

export interface Redactor {
  /** One value on its own. */
  (payload: unknown): unknown;
  /**
   * A run's input, trace and error in one pass: a value masked in one is masked where another quotes
   * it. Masked on its own, an error kept the customer an AFAS message or a schema error named,
   * although the trace beside it masked that very name.
   */
  run(parts: RunParts): RunParts;
  /**
   * A reason or error message about a run of `event` (shadow and backtest verdicts): the event's
   * personal values and anything shaped like an address masked, the rest left readable, in every
   * mode but `full`.
   */
  text(text: string, event: unknown): string;
}

export function createRedactor(config: RedactConfig = {}): Redactor {
  const mode = config.payloads ?? "redacted";
  if (mode === "full") return Object.assign((payload: unknown) => payload, { run: ({ event: _looked, ...parts }: RunParts) => parts, text: (text: string) => text });
  const sensitive = sensitiveKeys(new Set(DEFAULT_SENSITIVE_KEYS));
  const paths = (config.redact ?? []).map((p) => p.split(".").filter(Boolean).map((s) => s.toLowerCase()));
  /** What the event's values look like in text, to mask them where a message quotes them. */
  const eventScrubber = (event: unknown): Scrub | undefined => {
    const redaction = new Redaction(sensitive, paths);
    try {
      redaction.copy(event, []);
    } catch {
      return undefined;
    }
    return redaction.scrubber();
  };
  const text = (message: string, event: unknown): string => {
    const scrub = eventScrubber(event);
    return scrub ? scrub(message) : MASK;
  };
  if (mode === "none") return Object.assign(keepShapeOnly, { run: outlineOnly, text });
  const redact = (payload: unknown): unknown => {
    try {
      const redaction = new Redaction(sensitive, paths);
      const masked = redaction.copy(payload, []);
      if (typeof masked === "string") return redaction.scrubber()(masked);
      redaction.scrubKept();
      return masked;
    } catch {
      // What cannot be redacted is not kept: the run record must still be written.
      return MASK;
    }
  };
  const run = (parts: RunParts): RunParts => {
    const masked = redact({ input: parts.input, trace: parts.trace, ...(parts.error ? { error: parts.error } : {}) });
    if (!isRecord(masked)) return { input: MASK, trace: MASK, ...(parts.error ? { error: { code: parts.error.code, message: MASK } } : {}) };
    const kept: RunParts = { input: masked.input, trace: masked.trace, ...(parts.error ? { error: masked.error as RunError } : {}) };
    return parts.event === undefined ? kept : maskQuotes(kept, parts.event);
  };

  /**
   * The event's values where a run says what went wrong: its error, its reason, and the failed or
   * skipped steps (an AFAS answer quoting the customer). Only there: scrubbing the whole trace for
   * them cost ~15 % of a run's CPU at lat0 (peers benchmark), and elsewhere the trace quotes the
   * event only under keys the walk masks already.
   */
  const maskQuotes = (kept: RunParts, event: unknown): RunParts => {
    const trace = isRecord(kept.trace) ? kept.trace : undefined;
    const steps = Array.isArray(trace?.steps) ? (trace.steps as unknown[]) : [];
    const telling = (step: unknown) => isRecord(step) && (step.status === "failed" || step.status === "skipped");
    if (!kept.error && typeof trace?.reason !== "string" && !steps.some(telling)) return kept;
    const scrub = eventScrubber(event);
    if (!scrub) return kept;
    return {
      input: kept.input,
      trace: trace ? { ...trace, ...(typeof trace.reason === "string" ? { reason: scrub(trace.reason) } : {}), ...(steps.length ? { steps: steps.map((step) => (telling(step) ? scrubStrings(step, scrub) : step)) } : {}) } : kept.trace,
      ...(kept.error ? { error: scrubStrings(kept.error, scrub) as RunError } : {}),
    };
  };
  return Object.assign(redact, { run, text });
}

/** Keys repeat across runs (sku, quantity, OrNu): each is lower-cased and looked up once. */
function sensitiveKeys(keys: ReadonlySet<string>): (key: string) => boolean {
  return boundedMemo((key) => keys.has(key.toLowerCase().replace(/[_-]/g, "")), 10_000);
}

/**
 * One value's redaction in one walk: the copy masks sensitive keys and configured paths and
 * remembers their values; every string it keeps is noted where it sits. Those strings are scrubbed
 * in place afterwards, once every value to look for is known (a name masked late in the trace can
 * appear in a message early in it). Before, a second walk rebuilt the whole copy to get at them.
 */
class Redaction {
  private readonly found = new Set<string>();
  /** Masked values too short to look for alone (house numbers, additions): see scrubber. */
  private readonly numbers = new Set<string>();
  private readonly holders: (Record<string, unknown> | unknown[])[] = [];
  private readonly slots: (string | number)[] = [];

  constructor(private readonly sensitive: (key: string) => boolean, private readonly paths: readonly string[][]) {}

  copy(value: unknown, path: readonly string[]): unknown {
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.keep(out, i, this.copy(value[i], path));
      return out;
    }
    if (!isRecord(value)) return value;
    const { paths } = this;
    // A native shallow copy, then only what changes is written: scalars kept as they are cost
    // nothing more (own `__proto__` keys are copied as data, like JSON.parse makes them).
    const out: Record<string, unknown> = { ...value };
    // A filter condition ({ field: "Email", op, value }) names the field in a value, not a key.
    const filtered = typeof value.field === "string" && this.sensitive(value.field);
    for (const key in out) {
      const child = out[key];
      // Paths are only tracked when the config names some: the common case builds no arrays.
      const childPath = paths.length ? [...path, key.toLowerCase()] : path;
      const onPath = paths.length > 0 && paths.some((p) => endsWith(childPath, p));
      const sensitive = this.sensitive(key) || (filtered && key === "value") || onPath;
      if (sensitive && isLeaf(child)) {
        put(out, key, this.maskLeaf(child));
      } else if (sensitive && !onPath) {
        // `name: { first, last }`, `address: { line1 }`, `phone: [["…"]]`: every value under a
        // sensitive key is, whatever its own key; the shape stays for debugging.
        put(out, key, this.maskAll(child));
      } else if (onPath) {
        // A configured path names a whole object or list: mask it entirely.
        collectStrings(child, this.found);
        put(out, key, MASK);
      } else if (typeof child === "object" && child !== null) {
        put(out, key, this.copy(child, childPath));
      } else {
        this.keep(out, key, child);
      }
    }
    return out;
  }

  /** Notes a kept string long enough to hold a value or an address (both are at least MIN_NEEDLE long). */
  private keep(holder: Record<string, unknown> | unknown[], slot: string | number, value: unknown): unknown {
    if (typeof value === "string" && value.length >= MIN_NEEDLE) {
      this.holders.push(holder);
      this.slots.push(slot);
    }
    return value;
  }

  private maskAll(value: unknown): unknown {
    return mapLeaves(value, (leaf) => this.maskLeaf(leaf));
  }

  private maskLeaf(v: unknown): unknown {
    if (v === null || v === undefined || v === "") return v;
    remember(this.found, String(v), this.numbers);
    return MASK;
  }

  scrubber(): Scrub {
    return scrubber(this.found, MASK, this.numbers);
  }

  /**
   * The same values where no key names them (a GetConnector filter in a URL, a `where` value, an
   * AFAS message quoting the name), and anything shaped like an email address.
   */
  scrubKept(): void {
    if (this.slots.length === 0) return;
    const scrub = this.scrubber();
    for (let i = 0; i < this.slots.length; i++) {
      const holder = this.holders[i]!;
      const slot = this.slots[i]!;
      const text = (holder as Record<string | number, unknown>)[slot] as string;
      const scrubbed = scrub(text);
      if (scrubbed === text) continue;
      if (Array.isArray(holder)) holder[slot as number] = scrubbed;
      else put(holder, slot as string, scrubbed);
    }
  }
}

/** A copy of `value` with every string scrubbed. */
function scrubStrings(value: unknown, scrub: Scrub): unknown {
  return mapLeaves(value, (leaf) => (typeof leaf === "string" ? scrub(leaf) : leaf));
}

/** A copy of `value`, lists and objects alike, with every leaf replaced by `f`'s answer. */
function mapLeaves(value: unknown, f: (leaf: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapLeaves(v, f));
  if (!isRecord(value)) return f(value);
  const out: Record<string, unknown> = {};
  for (const key in value) put(out, key, mapLeaves(value[key], f));
  return out;
}

function isLeaf(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

/**
 * Short or purely numeric values (a house number "21", "NL") would mask unrelated text: they go to
 * `short`, looked for only right after a masked value.
 */
function remember(found: Set<string>, value: string, short?: Set<string>): void {
  const v = value.trim();
  if (v.length >= MIN_NEEDLE && !/^[\d\s.,-]{1,6}$/.test(v)) found.add(v);
  else if (short) for (const form of houseNumberForms(v)) short.add(form);
}

function collectStrings(value: unknown, found: Set<string>): void {
  if (typeof value === "string" || typeof value === "number") remember(found, String(value));
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, found));
  else if (isRecord(value)) Object.values(value).forEach((v) => collectStrings(v, found));
}

function endsWith(path: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length === 0 || suffix.length > path.length) return false;
  const offset = path.length - suffix.length;
  return suffix.every((s, i) => s === "*" || s === path[offset + i]);
}

const OUTLINE_FIELDS = ["outcome", "reason", "ms", "attempt", "retryAt", "requestedVersion"];

/** `payloads: none`: a run record keeps its outline (steps, statuses, timings); any other payload goes. */
function keepShapeOnly(payload: unknown): unknown {
  if (!isRecord(payload) || !Array.isArray(payload.steps)) return null;
  // A failed run's reason is its error message, which may quote the event or AFAS's words about it.
  const kept = payload.outcome === "failed" ? OUTLINE_FIELDS.filter((f) => f !== "reason") : OUTLINE_FIELDS;
  return {
    ...pick(payload, kept),
    steps: payload.steps.map((s) => pick(s, ["step", "kind", "status", "ms", "fromLedger"])),
    effects: Array.isArray(payload.effects) ? payload.effects.map((e) => pick(e, ["step", "send", "op"])) : [],
  };
}

/**
 * `payloads: none` for a whole attempt: no input, the trace's outline, and of the error what says
 * what went wrong without quoting anything: its code, and AFAS's error number and log reference,
 * which support asks for.
 */
function outlineOnly(parts: RunParts): RunParts {
  const { error } = parts;
  return {
    input: null,
    trace: keepShapeOnly(parts.trace),
    ...(error ? {
      error: {
        code: error.code,
        message: "the message is not kept (logging.payloads: none)",
        ...(isRecord(error.upstream) ? { upstream: pick(error.upstream, ["connection", "status", "errorNumber", "reference", "retryAfterMs"]) } : {}),
      },
    } : {}),
  };
}

function pick(o: unknown, fields: readonly string[]): Record<string, unknown> {
  return isRecord(o) ? Object.fromEntries(fields.filter((f) => o[f] !== undefined).map((f) => [f, o[f]])) : {};
}

/** An own property even for `__proto__`, which a webhook body may carry as a plain key. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
