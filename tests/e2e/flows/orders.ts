import type { FlowWorld } from "./world.ts";

/** The AsPos order as its API answers it (the fields the tests read). */
export interface AsposOrder {
  id: number;
  number: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  externalNumber?: string;
  customerId?: number;
  storeId: number;
  lines: { sku: string; quantity: number; unitPriceInclTax: number; unitPriceExclTax: number; discountAmountInclTax: number; taxRate: number; lineTotalExclTax: number; description: string }[];
  shipping?: { shipmentTypeId: number; shipmentTypeCode: string; costInclTax: number; costExclTax: number; taxRate: number; carrier?: string };
  payment: { status: string; termCode?: string; methodCode?: string };
  totals: { totalInclTax: number; totalExclTax: number; taxBreakdown: { taxRate: number; taxAmount: number }[] };
}

/** A new company buying on the web shop: two beers (one line discounted) and stroopwafels, PostNL, iDEAL, 30 days. */
export const companyOrder = (suffix: string) => ({
  channel: "Web",
  storeId: 31,
  source: "Webshop",
  externalNumber: `WS-E2E-${suffix}`,
  customer: {
    email: `inkoop-${suffix}@brouwerijdehoop.nl`, companyName: "Brouwerij De Hoop B.V.", vatNumber: "NL812345678B01",
    firstName: "Eva", middleName: "van", lastName: "Dijk", phoneNumber: "+31 20 555 0101", gender: "Female",
  },
  billingAddress: { street: "Prinsengracht", houseNumber: "263", houseNumberAddition: "B", postalCode: "1016 GV", city: "Amsterdam", countryCode: "NL" },
  lines: [
    { sku: "601826", quantity: 6, unitPriceInclTax: 2.49, discountAmountInclTax: 1.21 },
    { sku: "200114", quantity: 2, unitPriceInclTax: 3.29 },
  ],
  shipping: { shipmentTypeId: 1, costInclTax: 4.95, taxRate: 21 },
  payment: { methodId: 2, status: "Paid", termCode: "30D" },
  remarks: "Graag voor 12:00 leveren",
});

/** A private person from Belgium, no company: a person debtor. */
export const personOrder = (suffix: string) => ({
  channel: "Web",
  storeId: 31,
  customer: { email: `lotte-${suffix}@example.be`, firstName: "Lotte", lastName: "Peeters", phoneNumber: "+32 3 555 01 01", gender: "Female" },
  billingAddress: { street: "Kerkstraat 5 bus 2", postalCode: "2000", city: "Antwerpen", countryCode: "BE" },
  lines: [{ sku: "601830", quantity: 1, unitPriceInclTax: 6.99 }],
  shipping: { shipmentTypeId: 2, costInclTax: 0, taxRate: 21 },
  payment: { methodId: 1, status: "Paid" },
});

/** Places a web order through the AsPos API; AsPos itself then sends order.created (and order.paid). */
export async function placeOrder(world: FlowWorld, body: unknown): Promise<AsposOrder> {
  return world.aspos.post<AsposOrder>("/api/orders", body);
}

/** The calendar day in Amsterdam: AFAS dates are local. */
export function amsterdamDate(iso: string): string {
  return new Date(iso).toLocaleDateString("sv-SE", { timeZone: "Europe/Amsterdam" });
}
