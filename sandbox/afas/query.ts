import { BAD_PAGING, ProfitError } from "./errors.ts";
import { normaliseDateFilter } from "./time.ts";

/** GetConnector query semantics: filters (`,` AND inside `;` OR groups, or filterjson), sort, skip/take. */

export type FieldKind = "string" | "number" | "boolean" | "datetime";

export interface Condition {
  field: string;
  operator: number;
  value: string;
}

export interface ParsedQuery {
  skip: number;
  take: number;
  /** OR of AND groups; empty means no filter. */
  filter: Condition[][];
  orderBy: { field: string; desc: boolean }[];
}

const split = (s: string | undefined, sep: string): string[] => (s === undefined ? [] : s.split(sep));

function parseLists(fields: string, values: string | undefined, operators: string | undefined): Condition[][] {
  const fieldGroups = split(fields, ";");
  const valueGroups = values === undefined ? fieldGroups.map(() => undefined) : split(values, ";");
  const opGroups = operators === undefined ? fieldGroups.map(() => undefined) : split(operators, ";");
  if (valueGroups.length !== fieldGroups.length || opGroups.length !== fieldGroups.length) {
    throw new ProfitError("The number of filter fields, values and operators does not match.");
  }
  return fieldGroups.map((group, g) => {
    const ids = group.split(",");
    const vals = valueGroups[g]?.split(",") ?? ids.map(() => "");
    const ops = opGroups[g]?.split(",") ?? ids.map(() => "1");
    if (vals.length !== ids.length || ops.length !== ids.length) {
      throw new ProfitError("The number of filter fields, values and operators does not match.");
    }
    return ids.map((field, i) => ({ field, value: unquote(vals[i]!), operator: Number(ops[i]) }));
  });
}

/** AFAS's own example sends `filtervalues=""` for the empty operators. */
const unquote = (v: string): string => (v === '""' ? "" : v);

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parseFilterJson(text: string): Condition[][] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ProfitError("The filter (filterjson) is not valid JSON.");
  }
  const filters = asArray((doc as { Filters?: { Filter?: unknown } })?.Filters?.Filter) as { Field?: unknown }[];
  return filters.map((f) =>
    (asArray(f.Field) as Record<string, unknown>[]).map((field) => ({
      field: String(field["@FieldId"] ?? ""),
      operator: Number(field["@OperatorType"] ?? 1),
      value: field["#text"] === undefined || field["#text"] === null ? "" : String(field["#text"]),
    })));
}

function parseInt10(v: string | undefined, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  if (!/^-?\d+$/.test(v)) throw new ProfitError("An unexpected error has occurred.", BAD_PAGING);
  return Number(v);
}

export function parseQuery(params: Record<string, string>, knownFields: readonly string[]): ParsedQuery {
  const skip = parseInt10(params.skip, 0);
  let take = parseInt10(params.take, 100);
  if (skip === -1) take = -1;
  else if (skip < -1 || take < -1 || take === -1) throw new ProfitError("An unexpected error has occurred.", BAD_PAGING);

  const filter = params.filterjson !== undefined
    ? parseFilterJson(params.filterjson)
    : params.filterfieldids
      ? parseLists(params.filterfieldids, params.filtervalues, params.operatortypes)
      : [];
  const orderBy = split(params.orderbyfieldids, ",").filter(Boolean)
    .map((f) => (f.startsWith("-") ? { field: f.slice(1), desc: true } : { field: f, desc: false }));

  const known = new Set(knownFields);
  for (const id of [...filter.flat().map((c) => c.field), ...orderBy.map((o) => o.field)]) {
    if (!known.has(id)) throw new ProfitError(`Connector field '${id}' not found.`);
  }
  for (const c of filter.flat()) {
    if (!(c.operator >= 1 && c.operator <= 15)) throw new ProfitError(`Operator type '${c.operator}' is not valid.`);
  }
  return { skip, take, filter, orderBy };
}

type Row = Record<string, unknown>;

/** Profit's database compares text case-insensitively and sorts empty values first. */
function compare(a: unknown, b: unknown, kind: FieldKind): number {
  const aNull = a === null || a === undefined || a === "";
  const bNull = b === null || b === undefined || b === "";
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? -1 : 1;
  if (kind === "number") return Number(a) - Number(b);
  if (kind === "boolean") return Number(a === true) - Number(b === true);
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function coerce(value: string, kind: FieldKind): unknown {
  if (kind === "number") return value === "" ? null : Number(value.replace(",", "."));
  if (kind === "boolean") return value === "1" || value.toLowerCase() === "true";
  if (kind === "datetime") return value === "" ? null : normaliseDateFilter(value);
  return value;
}

/** Clients add `%` wildcards for the text operators; Profit's own examples do not. Accept both. */
const bare = (v: string): string => v.replace(/^%+|%+$/g, "").toLowerCase();

function holds(row: Row, c: Condition, kind: FieldKind): boolean {
  const actual = row[c.field];
  const empty = actual === null || actual === undefined || actual === "";
  if (c.operator === 8) return empty;
  if (c.operator === 9) return !empty;
  const text = empty ? "" : String(actual).toLowerCase();
  const needle = bare(c.value);
  switch (c.operator) {
    case 6: case 15: return text.includes(needle);
    case 11: return !text.includes(needle);
    case 10: return text.startsWith(needle);
    case 12: return !text.startsWith(needle);
    case 13: return text.endsWith(needle);
    case 14: return !text.endsWith(needle);
  }
  const expected = coerce(c.value, kind);
  // SQL semantics: a comparison with an empty value is false, except "not equal".
  if (empty || expected === null) return c.operator === 7 ? !(empty && expected === null) : false;
  const cmp = compare(actual, expected, kind);
  switch (c.operator) {
    case 1: return cmp === 0;
    case 2: return cmp >= 0;
    case 3: return cmp <= 0;
    case 4: return cmp > 0;
    case 5: return cmp < 0;
    case 7: return cmp !== 0;
    default: return false;
  }
}

export function runQuery(rows: readonly Row[], q: ParsedQuery, kinds: ReadonlyMap<string, FieldKind>): Row[] {
  const kindOf = (f: string): FieldKind => kinds.get(f) ?? "string";
  const matched = q.filter.length === 0
    ? [...rows]
    : rows.filter((row) => q.filter.some((group) => group.every((c) => holds(row, c, kindOf(c.field)))));
  if (q.orderBy.length) {
    matched.sort((a, b) => {
      for (const o of q.orderBy) {
        const d = compare(a[o.field], b[o.field], kindOf(o.field));
        if (d !== 0) return o.desc ? -d : d;
      }
      return 0;
    });
  }
  return q.take === -1 ? matched.slice(Math.max(q.skip, 0)) : matched.slice(q.skip, q.skip + q.take);
}
