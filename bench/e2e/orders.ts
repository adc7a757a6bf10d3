/**
 * The orders bench/e2e.ts posts and the AFAS body each must become: the workload both systems get,
 * and the reference the hand-written system implements and the check compares against.
 */
export interface ShopOrder {
  readonly number: string;
  readonly placedAt: string;
  readonly payment: string;
  readonly customer: { readonly debtorId: string | null; readonly email: string; readonly name: string; readonly phone: string };
  readonly address: { readonly street: string; readonly postcode: string; readonly city: string; readonly country: string };
  readonly lines: readonly { readonly sku: string; readonly description: string; readonly quantity: number; readonly unitPriceExclTax: number }[];
}

const PAYMENTS = ["ideal", "creditcard", "banktransfer"];
const PAYMENT_CODES: Readonly<Record<string, string>> = { ideal: "IDL", creditcard: "CC", banktransfer: "BANK" };

/** Order `i` of a round: 20 lines, about 3 KB of JSON, a guest (no debtor) every third order. */
export function shopOrder(number: string, i: number): ShopOrder {
  return {
    number,
    placedAt: `2026-03-${String((i % 28) + 1).padStart(2, "0")}T${String(i % 24).padStart(2, "0")}:15:00+01:00`,
    payment: PAYMENTS[i % PAYMENTS.length]!,
    customer: {
      debtorId: i % 3 === 0 ? null : String(20000 + (i % 500)),
      email: `klant${i}@example.nl`,
      name: `Klant ${i}`,
      phone: `+31 6 ${String(10000000 + i).slice(-8)}`,
    },
    address: { street: `Dorpsstraat ${(i % 200) + 1}`, postcode: "1234 AB", city: "Utrecht", country: "NL" },
    lines: Array.from({ length: 20 }, (_, l) => ({
      sku: String(600000 + ((i + l) % 900)),
      description: `Artikel ${l + 1} van bestelling ${number}`,
      quantity: (l % 4) + 1,
      unitPriceExclTax: Math.round((2.5 + l * 1.25 + (i % 7)) * 100) / 100,
    })),
  };
}

/** The FbSales UpdateConnector body for an order: the mapping both systems must perform. */
export function fbSalesBody(order: ShopOrder): unknown {
  return {
    FbSales: {
      Element: {
        Fields: {
          RfCs: order.number,
          DbId: order.customer.debtorId ?? "10000",
          OrDa: order.placedAt.slice(0, 10),
          Unit: 1,
          War: "01",
          PaCd: PAYMENT_CODES[order.payment] ?? "IDL",
        },
        Objects: [
          {
            FbSalesLines: {
              Element: order.lines.map((line) => ({
                Fields: { VaIt: "2", ItCd: line.sku, BiUn: "STK", QuUn: line.quantity, Upri: line.unitPriceExclTax },
              })),
            },
          },
        ],
      },
    },
  };
}
