import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { executeFlow } from "../../engine/flow/execute.ts";
import { mockPort } from "../../engine/flow/fixtures.ts";
import { lineAmounts } from "../../sandbox/aspos/amounts.ts";
import { shippedProject } from "../shipped-project.ts";

const project = shippedProject();
const flow = project.flows.get("afas-order-to-aspos")!;
const RATES: Record<string, number> = { HOOG: 21, LAAG: 9, GEEN: 0 };

/** An AFAS line as the sandbox's Koppel_SalesOrderLines gives it: its amount is AFAS's own rounding. */
const afasLine = fc.record({
  // Whole units, and weighed goods (4 decimals); a return is negative.
  quantity: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 500_000 }).map((n) => n / 10_000), fc.integer({ min: -50, max: -1 })),
  unitPrice: fc.integer({ min: 1, max: 2_000_000 }).map((n) => n / 10_000),
  discount: fc.constantFrom(0, 0, 5, 10, 12.5, 33),
  group: fc.constantFrom("HOOG", "LAAG", "GEEN"),
});

type AfasLine = typeof afasLine extends fc.Arbitrary<infer T> ? T : never;

function run(lines: AfasLine[]) {
  const rows = lines.map((l, i) => ({
    OrderNumber: "2025-000900", SeqNo: i + 1, ItemType: "2", ItemCode: `SKU-${i}`, Description: null, Quantity: l.quantity,
    UnitPrice: l.unitPrice, DiscountPercentage: l.discount, VatGroup: l.group,
    // AFAS's own rounding; + 0 makes a -0 a plain 0, as a GetConnector would give it.
    AmountExclVat: Math.round(l.quantity * l.unitPrice * (1 - l.discount / 100) * 100) / 100 + 0,
  }));
  const mocks = {
    header: { OrderNumber: "2025-000900", ExternalNumber: null, DebtorId: "20048", Warehouse: "01", Status: "Open", CurrencyId: "EUR" },
    existing: [],
    lines: rows,
    "customer.debtor": { DbId: "20048", DebtorType: "P", Name: "Jan", Email: "jan@example.nl", PaymentCondition: "14", CountryId: "NL", ModifiedDate: "2025-03-01T08:05:00Z" },
    "customer.byEmail": { id: 10300, type: "Person", email: "jan@example.nl", customFields: { afasDebtorId: "20048", koppelSync: "afas:2025-03-01T08:05:00Z" } },
    // AsPos's own rate differs from AFAS's on purpose: the line's VAT group must win.
    products: rows.map((r, i) => ({ id: 1000 + i, number: r.ItemCode, taxRate: 21 })),
    order: { id: 4100 },
  };
  return { rows, result: executeFlow(flow, { OrderNumber: "2025-000900" }, {
    settings: project.config.settings ?? {}, maps: project.config.maps ?? {}, timezone: "Europe/Amsterdam", now: () => 0,
    port: mockPort(mocks), flows: project.flows, eventId: "prices",
  }) };
}

describe("afas-order-to-aspos line prices", () => {
  it("land, after AsPos's own rounding (unit incl. × quantity in cents, excl. from incl.), on AFAS's line amount, at the rate AFAS books the line at", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(afasLine, { minLength: 1, maxLength: 4 }), async (lines) => {
        const { rows, result } = run(lines);
        const done = await result;
        expect(done.outcome).toBe("done");
        const sent = (done.effects.find((e) => e.send === "aspos.orders")!.payload as { lines: { taxRate: number; unitPriceInclTax: number; discountAmountInclTax?: number; quantity: number }[] }).lines;
        sent.forEach((line, i) => {
          expect(line.taxRate).toBe(RATES[rows[i]!.VatGroup]);
          const aspos = lineAmounts({ quantity: line.quantity, taxRate: line.taxRate, unitPriceInclTax: line.unitPriceInclTax, discountAmountInclTax: line.discountAmountInclTax ?? 0 });
          expect(aspos.lineTotalExclTax).toBe(rows[i]!.AmountExclVat);
          // AsPos keeps prices incl. VAT to whole cents: a finer one would be rounded there, and the line drift.
          expect(Math.round(line.unitPriceInclTax * 100) / 100).toBe(line.unitPriceInclTax);
          // A discount only absorbs the rounding of the unit price to cents: under a cent per unit.
          expect(Math.abs(line.discountAmountInclTax ?? 0)).toBeLessThanOrEqual(Math.ceil(Math.max(1, Math.abs(line.quantity)) - 1e-9) / 100);
        });
      }),
      { numRuns: 300 },
    );
  });
});
