/**
 * Masks personal data in what the activity log keeps (run input, trace, error). The inbox payload is
 * not passed through here: retries and replays must send the real order to AFAS, so it stays whole
 * until retention or `koppel erase` blanks it.
 */

import { MIN_NEEDLE, scrubber, type Scrub } from "./scrub.ts";

export type PayloadMode = "redacted" | "full" | "none";

export interface RedactConfig {
  readonly payloads?: PayloadMode;
  /** Extra paths, dot notation, `*` for any one key; a path matches at any depth (arrays are transparent). */
  readonly redact?: readonly string[];
}

export const MASK = "[redacted]";

/**
 * Field names of names, emails, phones, addresses, tax and bank numbers, compared case-insensitively:
 * AsPos's camelCase and AFAS's KnPerson/KnOrganisation/KnBasicAddress field ids.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  "email", "emailaddress", "mail", "emad", "ema2",
  "phone", "phonenumber", "mobile", "mobilephone", "telephone", "tenr", "ten2", "mbnr", "mbn2",
  "name", "fullname", "companyname", "contactname", "firstname", "lastname", "middlename", "initials", "prefix", "finm", "lanm", "in", "is", "senm", "canm", "nm",
  "address", "addressline1", "addressline2", "street", "housenumber", "housenumberaddition", "postalcode", "zipcode", "city",
  "ad", "hmnr", "hmad", "zpcd", "rs",
  "vatnumber", "vatid", "taxnumber", "cocnumber", "fiscalnumber", "bsn", "iban", "bankaccount", "vaid", "finr", "ccnr", "sose",
  "birthdate", "dateofbirth", "dabi",
];

export type Redactor = (payload: unknown) => unknown;

export function createRedactor(config: RedactConfig = {}): Redactor {
  const mode = config.payloads ?? "redacted";
  if (mode === "full") return (payload) => payload;
  if (mode === "none") return keepShapeOnly;
  const keys = new Set(DEFAULT_SENSITIVE_KEYS);
  const paths = (config.redact ?? []).map((p) => p.split(".").filter(Boolean).map((s) => s.toLowerCase()));
  return (payload) => {
    try {
      const found = new Set<string>();
      const masked = maskKeys(payload, [], keys, paths, found);
      return scrubValues(masked, scrubber(found, MASK));
    } catch {
      // What cannot be redacted is not kept: the run record must still be written.
      return MASK;
    }
  };
}

/** First pass: sensitive keys and configured paths; their string values are remembered for the second. */
function maskKeys(value: unknown, path: readonly string[], keys: ReadonlySet<string>, paths: readonly string[][], found: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => maskKeys(v, path, keys, paths, found));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  // A filter condition ({ field: "Email", op, value }) names the field in a value, not a key.
  const filtered = typeof value.field === "string" && keys.has(value.field.toLowerCase());
  for (const key in value) {
    const child = value[key];
    const lower = key.toLowerCase();
    // Paths are only tracked when the config names some: the common case builds no arrays.
    const childPath = paths.length ? [...path, lower] : path;
    const onPath = paths.length > 0 && paths.some((p) => endsWith(childPath, p));
    const sensitive = keys.has(lower) || (filtered && key === "value") || onPath;
    if (sensitive && isLeaf(child)) {
      put(out, key, maskLeaf(child, found));
    } else if (sensitive && Array.isArray(child) && child.every(isLeaf)) {
      put(out, key, child.map((c) => maskLeaf(c, found)));
    } else if (onPath) {
      // A configured path names a whole object or list: mask it entirely.
      collectStrings(child, found);
      put(out, key, MASK);
    } else {
      put(out, key, maskKeys(child, childPath, keys, paths, found));
    }
  }
  return out;
}

function isLeaf(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

function maskLeaf(v: unknown, found: Set<string>): unknown {
  if (v === null || v === undefined || v === "") return v;
  remember(found, String(v));
  return MASK;
}

/**
 * Second pass: the same values where no key names them (a GetConnector filter in a URL, a
 * `where` value, an AFAS message quoting the name), and anything shaped like an email address.
 */
function scrubValues(value: unknown, scrub: Scrub): unknown {
  if (typeof value === "string") return scrub(value);
  if (Array.isArray(value)) return value.map((v) => scrubValues(v, scrub));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key in value) put(out, key, scrubValues(value[key], scrub));
  return out;
}

/** Short or purely numeric values (a house number "21", "NL") would mask unrelated text. */
function remember(found: Set<string>, value: string): void {
  const v = value.trim();
  if (v.length >= MIN_NEEDLE && !/^[\d\s.,-]{1,6}$/.test(v)) found.add(v);
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

/** `payloads: none`: a run record keeps its outline (steps, statuses, timings); any other payload goes. */
function keepShapeOnly(payload: unknown): unknown {
  if (!isRecord(payload) || !Array.isArray(payload.steps)) return null;
  const pick = (o: unknown, fields: readonly string[]) =>
    isRecord(o) ? Object.fromEntries(fields.filter((f) => o[f] !== undefined).map((f) => [f, o[f]])) : {};
  return {
    ...pick(payload, ["outcome", "reason", "ms", "attempt", "retryAt", "requestedVersion"]),
    steps: payload.steps.map((s) => pick(s, ["step", "kind", "status", "ms", "fromLedger"])),
    effects: Array.isArray(payload.effects) ? payload.effects.map((e) => pick(e, ["step", "send", "op"])) : [],
  };
}

/** An own property even for `__proto__`, which a webhook body may carry as a plain key. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
