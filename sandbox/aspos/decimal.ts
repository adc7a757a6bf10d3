/**
 * Money and quantities are decimals on the wire but integers here: a value at scale s is the
 * bigint value × 10^s. Binary floats never take part in arithmetic.
 */

/** Exact decimal digits of a JSON number as the sender wrote them, rounded half away from zero to `scale`. */
export function toScaled(value: number, scale: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  if (/e/i.test(text)) return BigInt(Math.round(value * 10 ** scale));
  const negative = text.startsWith("-");
  const [intPart = "0", fracPart = ""] = text.replace("-", "").split(".");
  const kept = fracPart.slice(0, scale).padEnd(scale, "0");
  let units = BigInt(intPart + kept);
  const next = fracPart.charAt(scale);
  if (next !== "" && next >= "5") units += 1n;
  return negative ? -units : units;
}

export function fromScaled(units: bigint, scale: number): number {
  return Number(units) / 10 ** scale;
}

/** numerator / denominator rounded half away from zero (denominator > 0). */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const q = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -q : q;
}

/** Moves a scaled value to another scale, rounding half away from zero when dropping digits. */
export function rescale(units: bigint, from: number, to: number): bigint {
  if (to >= from) return units * 10n ** BigInt(to - from);
  return divRound(units, 10n ** BigInt(from - to));
}
