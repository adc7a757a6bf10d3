import { describe, expect, it } from "vitest";
import { lineAmounts, orderTotals, shippingAmounts } from "../../sandbox/aspos/amounts.ts";
import { divRound, toScaled } from "../../sandbox/aspos/decimal.ts";
import { formatInstant } from "../../sandbox/aspos/time.ts";
import { toAmsterdamMidnight } from "../../sandbox/aspos/time.ts";

describe("AsPos simulator amounts", () => {
  it("reproduce the contract's worked order example", () => {
    const filou = lineAmounts({ quantity: 6, taxRate: 21, unitPriceInclTax: 2.49, discountAmountInclTax: 1.49 });
    expect(filou).toEqual({ unitPriceInclTax: 2.49, unitPriceExclTax: 2.0579, discountAmountInclTax: 1.49, lineTotalInclTax: 13.45, lineTotalExclTax: 11.12, lineTaxAmount: 2.33 });
    const wafels = lineAmounts({ quantity: 2, taxRate: 9, unitPriceInclTax: 3.29 });
    expect(wafels).toMatchObject({ unitPriceExclTax: 3.0183, lineTotalInclTax: 6.58, lineTotalExclTax: 6.04, lineTaxAmount: 0.54 });
    const ship = shippingAmounts(4.95, 21);
    expect(ship).toEqual({ costInclTax: 4.95, costExclTax: 4.09 });
    const totals = orderTotals([
      { taxRate: 21, inclTax: 13.45, exclTax: 11.12 }, { taxRate: 9, inclTax: 6.58, exclTax: 6.04 }, { taxRate: 21, inclTax: 4.95, exclTax: 4.09 },
    ]);
    expect(totals).toEqual({
      totalExclTax: 21.25, totalTax: 3.73, totalInclTax: 24.98,
      taxBreakdown: [{ taxRate: 21, baseAmountExclTax: 15.21, taxAmount: 3.19 }, { taxRate: 9, baseAmountExclTax: 6.04, taxAmount: 0.54 }],
    });
  });

  it("matches the verified excl-tax selling prices (19.98 and 27.98 at 21 %)", () => {
    expect(lineAmounts({ quantity: 1, taxRate: 21, unitPriceInclTax: 19.98 }).unitPriceExclTax).toBe(16.5124);
    expect(lineAmounts({ quantity: 1, taxRate: 21, unitPriceInclTax: 27.98 }).unitPriceExclTax).toBe(23.124);
  });

  it("rounds half away from zero on decimal digits, not binary floats", () => {
    expect(toScaled(1.005, 2)).toBe(101n);
    expect(toScaled(-1.005, 2)).toBe(-101n);
    expect(toScaled(0.125, 2)).toBe(13n);
    expect(divRound(-5n, 10n)).toBe(-1n);
    expect(divRound(5n, 10n)).toBe(1n);
    // a discount line on article KORTING carries a negative price
    expect(lineAmounts({ quantity: 1, taxRate: 21, unitPriceInclTax: -2.5 })).toMatchObject({ lineTotalInclTax: -2.5, lineTotalExclTax: -2.07, lineTaxAmount: -0.43 });
  });

  it("derives the incl price from an excl price (B2B lines)", () => {
    expect(lineAmounts({ quantity: 3, taxRate: 21, unitPriceExclTax: 1.95 })).toMatchObject({ unitPriceInclTax: 2.36, unitPriceExclTax: 1.95, lineTotalInclTax: 7.08 });
  });

  it("writes timestamps with trimmed fractions and dates as Amsterdam midnight", () => {
    expect(formatInstant(Date.parse("2025-03-01T09:20:44.900Z"))).toBe("2025-03-01T09:20:44.9Z");
    expect(formatInstant(Date.parse("2025-03-01T09:20:44.000Z"))).toBe("2025-03-01T09:20:44Z");
    expect(toAmsterdamMidnight("1985-04-12")).toBe("1985-04-11T22:00:00Z");
    expect(toAmsterdamMidnight("2025-02-20")).toBe("2025-02-19T23:00:00Z");
    expect(toAmsterdamMidnight("2025-03-30")).toBe("2025-03-29T23:00:00Z");
    expect(toAmsterdamMidnight("not a date")).toBeUndefined();
  });
});
