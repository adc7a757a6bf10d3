/** Text helpers shared by the pages; the ones the CLI shows too come from runner/format.ts. */

import { when as utc } from "../../format.ts";

export { shortSha } from "../../format.ts";

/** A time as the pages show it: UTC, and saying so (a shop reads an unmarked time as its own). */
export function when(ms: number | null | undefined): string {
  return ms ? `${utc(ms)} UTC` : utc(ms);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)}%`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

/** Query string from the current filters, with one changed. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** One line of at most `max` characters, cut with an ellipsis: for table cells whose full text goes in a title. */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}
