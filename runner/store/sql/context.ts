import type { Dialect } from "./dialect.ts";

/** What every program gets: the dialect's differences, the injected clock and the id source. */
export interface Ctx {
  readonly d: Dialect;
  readonly now: () => number;
  readonly id: () => string;
}

/** JSON lives in TEXT columns; undefined is stored as SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson(text: unknown): unknown {
  return typeof text === "string" ? JSON.parse(text) : null;
}

/** pg returns BIGINT through our parser as number; SQLite already does. Null stays null. */
export function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
