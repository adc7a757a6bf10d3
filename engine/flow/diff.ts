/** One place where two JSON values differ; `path` is a JSONPath-like string (`[0].payload.DbId`). */
export interface Difference {
  readonly path: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Marks a side that has no value at that path (distinct from null). */
export const MISSING: unique symbol = Symbol("missing");

export function diffJson(expected: unknown, actual: unknown, path = ""): Difference[] {
  if (Object.is(expected, actual)) return [];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const out: Difference[] = [];
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const [e, a] = [i < expected.length ? expected[i] : MISSING, i < actual.length ? actual[i] : MISSING];
      // Equal leaves are most of a payload: no path is built for them (shadow runs compare every write).
      if (!Object.is(e, a)) out.push(...diffJson(e, a, `${path}[${i}]`));
    }
    return out;
  }
  if (isObject(expected) && isObject(actual)) {
    const out: Difference[] = [];
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const [e, a] = [k in expected ? expected[k] : MISSING, k in actual ? actual[k] : MISSING];
      if (Object.is(e, a)) continue;
      const sub = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      out.push(...diffJson(e, a, sub));
    }
    return out;
  }
  return [{ path: path || "(root)", expected, actual }];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function showValue(v: unknown): string {
  if (v === MISSING) return "(missing)";
  if (v === undefined) return "(undefined)";
  return JSON.stringify(v);
}

/** A value in a diff line: long ones are cut, so a line never carries a whole golden. */
const LINE_VALUE_MAX = 100;
/** Fields of a write that only one side has, listed before the rest are counted. */
const WHOLE_FIELDS_MAX = 6;

/**
 * Human-readable diff, one block per path. A write or object only one side has is shown as its
 * fields, path by path (the first few, then a count), never as one long line of JSON.
 */
export function formatDiff(diffs: readonly Difference[], indent = "    "): string {
  return diffs.map((d) => formatOne(d, indent)).join("\n");
}

function formatOne(d: Difference, indent: string): string {
  const path = d.path.replace(/^\./, "");
  const onlyIn = d.actual === MISSING ? "expected" : d.expected === MISSING ? "actual" : undefined;
  const present = onlyIn === "expected" ? d.expected : d.actual;
  if (onlyIn && present !== null && typeof present === "object") {
    const leaves = leafPaths(present, "");
    const shown = leaves.slice(0, WHOLE_FIELDS_MAX).map(([p, v]) => `${indent}  ${p.replace(/^\./, "")}: ${short(showValue(v))}`);
    const more = leaves.length > WHOLE_FIELDS_MAX ? [`${indent}  … ${leaves.length - WHOLE_FIELDS_MAX} more field${leaves.length - WHOLE_FIELDS_MAX === 1 ? "" : "s"}`] : [];
    return [`${indent}${path}: only in the ${onlyIn} (${leaves.length} field${leaves.length === 1 ? "" : "s"})`, ...shown, ...more].join("\n");
  }
  return `${indent}${path}\n${indent}  expected: ${short(showValue(d.expected))}\n${indent}  actual:   ${short(showValue(d.actual))}`;
}

function leafPaths(value: unknown, path: string): [string, unknown][] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leafPaths(v, `${path}[${i}]`)) : [[path, value]];
  if (isObject(value)) {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leafPaths(v, `${path}.${k}`)) : [[path, value]];
  }
  return [[path, value]];
}

function short(text: string): string {
  return text.length > LINE_VALUE_MAX ? `${text.slice(0, LINE_VALUE_MAX - 1)}…` : text;
}
