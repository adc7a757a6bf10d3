import type { Filter } from "../../../engine/flow/port.ts";

/** `customer.email` reads nested properties. */
export function valueAt(record: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Instants compare as time (AsPos trims fractions, so text order is wrong), numbers as numbers. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string" && INSTANT.test(a) && INSTANT.test(b)) return Date.parse(a) - Date.parse(b);
  if (typeof a === "number" && typeof b === "string" && b.trim() !== "" && !Number.isNaN(Number(b))) return a - Number(b);
  if (typeof a === "string" && typeof b === "string") return a.localeCompare(b);
  return undefined;
}

function lower(value: unknown): string {
  return String(value ?? "").toLowerCase();
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/**
 * Equality is loose on purpose: ids may come as "31" or 31, and the contract says enum strings and
 * e-mail addresses compare case-insensitively. Text operators are case-insensitive too.
 */
export function matches(record: Readonly<Record<string, unknown>>, filter: Filter): boolean {
  const actual = valueAt(record, filter.field);
  const expected = filter.value;
  switch (filter.op) {
    case "eq":
      return !isEmpty(actual) && (compare(actual, expected) === 0 || lower(actual) === lower(expected));
    case "ne":
      return !matches(record, { ...filter, op: "eq" });
    case "lt": case "le": case "gt": case "ge": {
      const c = compare(actual, expected);
      if (c === undefined) return false;
      return filter.op === "lt" ? c < 0 : filter.op === "le" ? c <= 0 : filter.op === "gt" ? c > 0 : c >= 0;
    }
    case "contains": return lower(actual).includes(lower(expected));
    case "notContains": return !lower(actual).includes(lower(expected));
    case "startsWith": return lower(actual).startsWith(lower(expected));
    case "notStartsWith": return !lower(actual).startsWith(lower(expected));
    case "endsWith": return lower(actual).endsWith(lower(expected));
    case "notEndsWith": return !lower(actual).endsWith(lower(expected));
    case "empty": return isEmpty(actual);
    case "notEmpty": return !isEmpty(actual);
  }
}

export function sortRows(
  rows: Record<string, unknown>[],
  orderBy: readonly { readonly field: string; readonly desc?: boolean }[],
): Record<string, unknown>[] {
  return [...rows].sort((a, b) => {
    for (const { field, desc } of orderBy) {
      const c = compare(valueAt(a, field), valueAt(b, field)) ?? 0;
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}
