import type { Filter, FilterOp } from "../../../engine/flow/port.ts";

/** Engine filter operators → Profit operator numbers. */
export const OPERATOR: Record<FilterOp, number> = {
  eq: 1, ge: 2, le: 3, gt: 4, lt: 5, contains: 6, ne: 7, empty: 8, notEmpty: 9,
  startsWith: 10, notContains: 11, notStartsWith: 12, endsWith: 13, notEndsWith: 14,
};

export interface GetQuery {
  /** OR of AND groups; `[]` or `[[]]` means no filter. */
  readonly groups: readonly (readonly Filter[])[];
  readonly orderBy: readonly { readonly field: string; readonly desc?: boolean }[];
  readonly skip: number;
  readonly take: number;
}

/**
 * Profit compares datetimes as local wall-clock text and wants no `Z` and no fraction; a value read
 * from a GetConnector (…Z) therefore goes back as it came. Booleans as true/false are our choice:
 * AFAS documents no format for them.
 */
export function filterValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  const text = String(value);
  const dt = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/.exec(text);
  return dt ? dt[1]! : text;
}

/** `eq null` and `ne null` mean "is empty" and "is not empty" in Profit terms. */
function operator(f: Filter): number {
  if (f.value === null || f.value === undefined) {
    if (f.op === "eq") return OPERATOR.empty;
    if (f.op === "ne") return OPERATOR.notEmpty;
  }
  return OPERATOR[f.op];
}

const enc = encodeURIComponent;

/** The list syntax cannot carry `,` or `;` inside a value (escaping is undocumented); filterjson can. */
function filterParams(groups: readonly (readonly Filter[])[]): string[] {
  const used = groups.filter((g) => g.length > 0);
  if (used.length === 0) return [];
  const values = used.map((g) => g.map((f) => filterValue(f.value)));
  if (values.flat().some((v) => v.includes(",") || v.includes(";"))) {
    const json = { Filters: { Filter: used.map((g, i) => ({
      "@FilterId": `Filter ${i + 1}`,
      Field: g.map((f, j) => ({ "@FieldId": f.field, "@OperatorType": operator(f), "#text": values[i]![j]! })),
    })) } };
    return [`filterjson=${enc(JSON.stringify(json))}`];
  }
  return [
    `filterfieldids=${enc(used.map((g) => g.map((f) => f.field).join(",")).join(";"))}`,
    `filtervalues=${enc(values.map((g) => g.join(",")).join(";"))}`,
    `operatortypes=${enc(used.map((g) => g.map(operator).join(",")).join(";"))}`,
  ];
}

export function buildQuery(q: GetQuery): string {
  const parts = [`skip=${q.skip}`, `take=${q.take}`];
  if (q.orderBy.length) parts.push(`orderbyfieldids=${enc(q.orderBy.map((o) => (o.desc ? `-${o.field}` : o.field)).join(","))}`);
  return [...parts, ...filterParams(q.groups)].join("&");
}

/** Request order plus the key fields, so rows with equal sort values keep one order across pages. */
export function stableOrder(orderBy: GetQuery["orderBy"] | undefined, keys: readonly string[]): GetQuery["orderBy"] {
  const given = orderBy ?? [];
  return [...given, ...keys.filter((k) => !given.some((o) => o.field === k)).map((field) => ({ field }))];
}

/**
 * OR groups split into runs whose query stays within `maxLength` (counted with its `?`), so a find
 * for many values (every SKU of a 90-line order) becomes several reads instead of one Profit
 * refuses. Greedy, in the given order; a group too long on its own is left alone, for the caller's
 * length check to name. Measured with the largest skip a read of `take` rows can reach.
 */
export function groupsWithin(
  groups: readonly (readonly Filter[])[], orderBy: GetQuery["orderBy"], take: number, maxLength: number,
): (readonly Filter[])[][] {
  const fits = (part: readonly (readonly Filter[])[]) => buildQuery({ groups: part, orderBy, skip: 999_999_999, take }).length + 1 <= maxLength;
  if (fits(groups)) return [[...groups]];
  const parts: (readonly Filter[])[][] = [];
  let current: (readonly Filter[])[] = [];
  for (const group of groups) {
    if (current.length && !fits([...current, group])) {
      parts.push(current);
      current = [];
    }
    current.push(group);
  }
  if (current.length) parts.push(current);
  return parts;
}

/** Rows of several reads in the order one read would have given (`orderBy`, then as they came). */
export function sortRows<R extends Record<string, unknown>>(rows: readonly R[], orderBy: GetQuery["orderBy"]): R[] {
  const rank = (v: unknown): [number, number | string] =>
    v === null || v === undefined ? [0, 0] : typeof v === "number" ? [1, v] : [2, String(v)];
  return [...rows].sort((a, b) => {
    for (const { field, desc } of orderBy) {
      const [ka, va] = rank(a[field]);
      const [kb, vb] = rank(b[field]);
      const order = ka - kb || (va < vb ? -1 : va > vb ? 1 : 0);
      if (order) return desc ? -order : order;
    }
    return 0;
  });
}

