import { divRound, fromScaled, rescale, toScaled } from "./decimal.ts";

/** What the client sends for one line; exactly one unit price is given. */
export interface LinePriceInput {
  readonly quantity: number;
  readonly taxRate: number;
  readonly unitPriceInclTax?: number;
  readonly unitPriceExclTax?: number;
  readonly discountAmountInclTax?: number;
}

export interface LineAmounts {
  readonly unitPriceInclTax: number;
  readonly unitPriceExclTax: number;
  readonly discountAmountInclTax: number;
  readonly lineTotalInclTax: number;
  readonly lineTotalExclTax: number;
  readonly lineTaxAmount: number;
}

export interface ShippingAmounts {
  readonly costInclTax: number;
  readonly costExclTax: number;
}

export interface Totals {
  readonly totalExclTax: number;
  readonly totalTax: number;
  readonly totalInclTax: number;
  readonly taxBreakdown: readonly { taxRate: number; baseAmountExclTax: number; taxAmount: number }[];
}

/** 1 + rate/100 as a fraction over 10 000, with the rate at scale 2 (21 % → 2100). */
function taxFactor(taxRate: number): bigint {
  return 10_000n + toScaled(taxRate, 2);
}

function exclFromIncl2(incl2: bigint, taxRate: number): bigint {
  return divRound(incl2 * 10_000n, taxFactor(taxRate));
}

/**
 * The contract's rules: unit excl = round4(incl / (1 + r)); line incl = round2(unit incl × qty −
 * discount); line excl = round2(line incl / (1 + r)); tax = incl − excl. When only the excl price is
 * given (B2B), the incl price is derived first as round2(excl × (1 + r)) — a modeled choice.
 */
export function lineAmounts(line: LinePriceInput): LineAmounts {
  const factor = taxFactor(line.taxRate);
  let unitIncl4: bigint;
  let unitExcl4: bigint;
  if (line.unitPriceInclTax !== undefined) {
    // Prices incl. VAT are kept to 2 decimals (only excl. prices carry 4): a finer one is rounded.
    unitIncl4 = rescale(toScaled(line.unitPriceInclTax, 2), 2, 4);
    unitExcl4 = divRound(unitIncl4 * 10_000n, factor);
  } else {
    unitExcl4 = toScaled(line.unitPriceExclTax ?? 0, 4);
    unitIncl4 = rescale(rescale(unitExcl4 * factor, 8, 2), 2, 4);
  }
  const discount2 = toScaled(line.discountAmountInclTax ?? 0, 2);
  const gross8 = unitIncl4 * toScaled(line.quantity, 4);
  const incl2 = rescale(gross8 - rescale(discount2, 2, 8), 8, 2);
  const excl2 = exclFromIncl2(incl2, line.taxRate);
  return {
    unitPriceInclTax: fromScaled(unitIncl4, 4),
    unitPriceExclTax: fromScaled(unitExcl4, 4),
    discountAmountInclTax: fromScaled(discount2, 2),
    lineTotalInclTax: fromScaled(incl2, 2),
    lineTotalExclTax: fromScaled(excl2, 2),
    lineTaxAmount: fromScaled(incl2 - excl2, 2),
  };
}

export function shippingAmounts(costInclTax: number, taxRate: number): ShippingAmounts {
  const incl2 = toScaled(costInclTax, 2);
  return { costInclTax: fromScaled(incl2, 2), costExclTax: fromScaled(exclFromIncl2(incl2, taxRate), 2) };
}

/** Totals are sums of already rounded parts, so they always add up to what the lines show. */
export function orderTotals(parts: readonly { taxRate: number; inclTax: number; exclTax: number }[]): Totals {
  const byRate = new Map<string, { rate: number; base: bigint; tax: bigint }>();
  let incl = 0n;
  let excl = 0n;
  for (const part of parts) {
    const i = toScaled(part.inclTax, 2);
    const e = toScaled(part.exclTax, 2);
    incl += i;
    excl += e;
    const key = String(toScaled(part.taxRate, 2));
    const bucket = byRate.get(key) ?? { rate: part.taxRate, base: 0n, tax: 0n };
    bucket.base += e;
    bucket.tax += i - e;
    byRate.set(key, bucket);
  }
  return {
    totalExclTax: fromScaled(excl, 2),
    totalTax: fromScaled(incl - excl, 2),
    totalInclTax: fromScaled(incl, 2),
    taxBreakdown: [...byRate.values()]
      .sort((a, b) => b.rate - a.rate)
      .map((b) => ({ taxRate: b.rate, baseAmountExclTax: fromScaled(b.base, 2), taxAmount: fromScaled(b.tax, 2) })),
  };
}
