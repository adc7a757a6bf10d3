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
      out.push(...diffJson(i < expected.length ? expected[i] : MISSING, i < actual.length ? actual[i] : MISSING, `${path}[${i}]`));
    }
    return out;
  }
  if (isObject(expected) && isObject(actual)) {
    const out: Difference[] = [];
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      const sub = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      out.push(...diffJson(k in expected ? expected[k] : MISSING, k in actual ? actual[k] : MISSING, sub));
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

/** Human-readable diff, one block per path. */
export function formatDiff(diffs: readonly Difference[], indent = "    "): string {
  return diffs
    .map((d) => `${indent}${d.path.replace(/^\./, "")}\n${indent}  expected: ${showValue(d.expected)}\n${indent}  actual:   ${showValue(d.actual)}`)
    .join("\n");
}
