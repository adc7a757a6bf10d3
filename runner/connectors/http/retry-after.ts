/**
 * A wait the upstream asked for, in milliseconds from `nowMs`: whole seconds (a number, or digits as
 * the Retry-After header and AFAS's `retry_after` body field send them) or an HTTP date.
 */
export function retryAfterMs(value: unknown, nowMs: number): number | undefined {
  if (typeof value === "number") return value >= 0 ? value * 1000 : undefined;
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
