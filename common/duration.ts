import { ConfigError } from "./errors.ts";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const isUnit = (unit: string): unit is keyof typeof UNIT_MS => Object.hasOwn(UNIT_MS, unit);

/**
 * `250ms`, `30s`, `5m`, `1h`, `7d`: the one duration syntax of the flow and config schemas (each
 * field's schema pattern narrows the units it allows). Schedules and polls need a positive period;
 * a retention may be zero (`0h`: keep nothing), so it passes `allowZero`.
 */
export function parseDuration(text: string, options: { readonly allowZero?: boolean } = {}): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  const unit = match?.[2];
  const ms = match && unit && isUnit(unit) ? Number(match[1]) * UNIT_MS[unit] : NaN;
  if (!(ms > 0 || (ms === 0 && options.allowZero))) {
    throw new ConfigError("INVALID_VALUE", `"${text}" is not a duration: expected a ${options.allowZero ? "" : "positive "}number followed by ms, s, m, h or d`);
  }
  return ms;
}
