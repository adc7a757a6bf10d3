import type { Context } from "hono";
import { json } from "../http.ts";
import { paginate } from "../paging.ts";
import { invalidQuery } from "../problem.ts";

export type QueryFilters<T> = Record<string, (row: T, value: string) => boolean>;

/** Applies the filters whose query parameter is present; unknown parameters are ignored. */
export function applyFilters<T>(c: Context, rows: readonly T[], filters: QueryFilters<T>): T[] {
  let out = [...rows];
  for (const [param, test] of Object.entries(filters)) {
    const value = c.req.query(param);
    if (value !== undefined) out = out.filter((row) => test(row, value));
  }
  return out;
}

export function intQuery(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw invalidQuery(`${name} must be a positive whole number.`);
  return Number(raw);
}

/** Filters on an integer property, with a 400 for a value that is no integer. */
export function intEquals<T>(pick: (row: T) => number | undefined): (row: T, value: string) => boolean {
  return (row, value) => {
    if (!/^\d+$/.test(value)) throw invalidQuery(`'${value}' is not a whole number.`);
    return pick(row) === Number(value);
  };
}

export function textEquals<T>(pick: (row: T) => string | undefined): (row: T, value: string) => boolean {
  return (row, value) => pick(row)?.toLowerCase() === value.toLowerCase();
}

/** A paged list answer: bare array body, position in X-Next-Cursor / X-Has-More. */
export function pagedList<T extends { updatedAt: string }>(
  c: Context,
  rows: readonly T[],
  keyOf: (row: T) => number,
  render: (row: T) => unknown = (row) => row,
): Response {
  const page = paginate(rows, { updatedSince: c.req.query("updatedSince"), cursor: c.req.query("cursor"), limit: c.req.query("limit") }, keyOf);
  return json(page.items.map(render), 200, page.headers);
}
