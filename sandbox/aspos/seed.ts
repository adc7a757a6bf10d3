/**
 * Demo tenant. Shapes follow the reference; several records share one updatedAt on purpose so
 * cursor paging has ties to get right. Numbers that look verified (601826, 16.5124) echo Part A.
 */
import { lineAmounts } from "./amounts.ts";
import { toScaled } from "./decimal.ts";
import { customerSnapshot } from "./domain/customers.ts";
import { priceOrder } from "./domain/pricing.ts";
import type { Customer, Order, OrderStatus, PaymentStatus, Product, Reference, Seed, StockRow, Store } from "./types.ts";

const stores: Store[] = [
  { id: 9, code: "UTR01", name: "Utrecht Oudegracht", street: "Oudegracht 101", postalCode: "3511 AE", city: "Utrecht", countryCode: "NL", phoneNumber: "+31 30 231 0000", email: "utrecht@example-retail.nl", status: "Active", warehouseId: 9, isWebshop: false },
  { id: 13, code: "AMF01", name: "Amersfoort Langestraat", street: "Langestraat 40", postalCode: "3811 AH", city: "Amersfoort", countryCode: "NL", phoneNumber: "+31 33 461 0000", status: "Active", warehouseId: 13, isWebshop: false },
  { id: 31, code: "WEB", name: "Webshop", street: "Industrieweg 4", postalCode: "3401 MA", city: "IJsselstein", countryCode: "NL", status: "Active", warehouseId: 31, isWebshop: true },
  { id: 32, code: "DBS01", name: "Den Bosch Hinthamerstraat", street: "Hinthamerstraat 12", postalCode: "5211 MG", city: "'s-Hertogenbosch", countryCode: "NL", status: "Inactive", warehouseId: 32, isWebshop: false },
  { id: 35, code: "TST", name: "Teststore", city: "Utrecht", countryCode: "NL", status: "Test", warehouseId: 35, isWebshop: false },
];

const SHARED_PRODUCT_STAMP = "2025-03-20T08:15:02.123Z";

function product(
  id: number, number: string, description: string, priceInclTax: number, taxRate: number,
  extra: Partial<Product> & { updatedAt?: string } = {},
): Product {
  const taxCode = taxRate === 21 ? "High" : taxRate === 9 ? "Low" : "Zero";
  const { unitPriceExclTax } = lineAmounts({ quantity: 1, taxRate, unitPriceInclTax: priceInclTax });
  return {
    id, number, sku: number, description, state: "Active", webEnabled: true,
    priceInclTax, priceExclTax: unitPriceExclTax, taxRate, taxCode, unit: "Piece",
    createdAt: "2025-02-14T10:02:11.5Z", updatedAt: SHARED_PRODUCT_STAMP, ...extra,
  };
}

const products: Product[] = [
  product(48213, "601826", "Filou Blond 33 cl", 2.49, 21, {
    barcode: "5410263000112", barcodes: ["5410263000112", "5410263000129"], secondDescription: "Belgisch blond bier, 8,5 %",
    brandId: 12, groupId: 305, collectionCode: "BIER", collectionDescription: "Bier", bonusPoints: 0,
    imageUrl: "https://imagestoreretrieval.aspos.nl/Product/Front/601826/22269e8e-adbe-4e8f-8178-e771124dd908.png",
  }),
  product(48214, "601830", "Filou Blond 75 cl", 6.99, 21, { barcode: "5410263000150", collectionCode: "BIER", collectionDescription: "Bier" }),
  product(48299, "601899", "Filou Oud Bruin 33 cl", 2.39, 21, { state: "Inactive", updatedAt: "2025-03-10T12:00:00Z" }),
  product(51002, "200114", "Stroopwafels 8 st", 3.29, 9, { barcode: "8710400000114", collectionCode: "KOEK", collectionDescription: "Koek", updatedAt: "2025-03-05T07:30:00.5Z" }),
  product(51003, "200115", "Drop zoet 250 g", 2.19, 9, { barcode: "8710400000115", updatedAt: "2025-03-05T07:30:00.5Z" }),
  product(52010, "300210", "Koffiebonen 1 kg", 14.95, 9, { updatedAt: "2025-02-28T16:45:09.61Z" }),
  product(52011, "201016", "Theeglazen set van 6", 19.98, 21, { updatedAt: "2025-02-20T11:41:55.55Z" }),
  product(53000, "900025", "Cadeaubon 25", 25, 0, { unit: "Service", updatedAt: "2025-01-10T09:00:00Z" }),
  product(54000, "400100", "Draagtas papier", 0.1, 21, { webEnabled: false, updatedAt: "2025-01-10T09:00:00Z" }),
  product(59990, "KORTING", "Korting", 0, 21, { unit: "Service", webEnabled: false, updatedAt: "2025-01-10T09:00:00Z" }),
  product(59991, "VERZEND", "Verzendkosten", 4.95, 21, { unit: "Service", webEnabled: false, updatedAt: "2025-01-10T09:00:00Z" }),
];

const storePrices: Record<string, number> = { "48213:9": 2.29, "52010:31": 13.95 };

const reference: Reference = {
  shipmentTypes: [
    { id: 1, code: "POSTNL", description: "PostNL pakket", state: "Active", carrier: "PostNL" },
    { id: 2, code: "PICKUP", description: "Afhalen in winkel", state: "Active" },
    { id: 3, code: "DHL", description: "DHL pakket", state: "Inactive", carrier: "DHL" },
  ],
  paymentMethods: [
    { id: 1, code: "PIN", description: "Pinbetaling" },
    { id: 2, code: "IDEAL", description: "iDEAL" },
    { id: 3, code: "CASH", description: "Contant" },
    { id: 4, code: "INVOICE", description: "Op rekening" },
  ],
  paymentTerms: [
    { code: "0D", description: "Direct", days: 0 },
    { code: "14D", description: "14 dagen netto", days: 14 },
    { code: "30D", description: "30 dagen netto", days: 30 },
  ],
  taxRates: [
    { code: "High", rate: 21, countryCode: "NL" },
    { code: "Low", rate: 9, countryCode: "NL" },
    { code: "Zero", rate: 0, countryCode: "NL" },
  ],
  priceLists: [
    { id: 1, code: "RETAIL", description: "Consument", pricesIncludeTax: true },
    { id: 3, code: "B2B", description: "Zakelijk", pricesIncludeTax: false },
  ],
  customerGroups: [
    { id: 1, code: "B2C", description: "Particulier" },
    { id: 2, code: "B2B", description: "Zakelijk" },
  ],
  customFields: [
    { entity: "Customer", key: "afasDebtorId", label: "AFAS debiteurnummer", type: "Text" },
    { entity: "Customer", key: "loyaltyCard", label: "Klantenpas", type: "Text" },
    // Koppel stamps its own customer writes here (loop guard); a tenant defines it when Koppel is set up.
    { entity: "Customer", key: "koppelSync", label: "Koppel sync", type: "Text" },
    { entity: "Order", key: "afasOrderId", label: "AFAS ordernummer", type: "Text" },
  ],
  priceListPrices: [
    { priceListId: 3, productId: 48213, number: "601826", price: 1.95, minQuantity: 1, updatedAt: "2025-03-02T08:00:00Z" },
    { priceListId: 3, productId: 48213, number: "601826", price: 1.85, minQuantity: 24, updatedAt: "2025-03-02T08:00:00Z" },
    { priceListId: 3, productId: 52010, number: "300210", price: 11.5, minQuantity: 1, updatedAt: "2025-03-02T08:00:00Z" },
  ],
};

const SHARED_CUSTOMER_STAMP = "2025-03-18T09:01:12.77Z";

const customers: Customer[] = [
  {
    id: 10234, number: "C010234", type: "Company", state: "Active", email: "inkoop@bakkerijdekroon.nl",
    companyName: "Bakkerij De Kroon B.V.", vatNumber: "NL123456789B01", chamberOfCommerceNumber: "12345678",
    firstName: "Sanne", middleName: "van der", lastName: "Berg", gender: "Female",
    phoneNumber: "+31 30 123 4567", mobileNumber: "+31 6 12345678", language: "nl",
    priceListId: 3, customerGroupId: 2, customerGroupCode: "B2B",
    billingAddress: { street: "Lange Elisabethstraat", houseNumber: "12", houseNumberAddition: "A", postalCode: "3511 BL", city: "Utrecht", countryCode: "NL" },
    shippingAddress: { name: "Bakkerij De Kroon – magazijn", street: "Nijverheidsweg", houseNumber: "3", postalCode: "3534 AM", city: "Utrecht", countryCode: "NL" },
    customFields: { afasDebtorId: "20045", loyaltyCard: "2900012345678" },
    createdAt: "2024-11-02T13:40:00.3Z", updatedAt: "2025-03-10T10:00:00Z",
  },
  {
    id: 10235, number: "C010235", type: "Person", state: "Active", email: "jan.devries@example.nl",
    firstName: "Jan", middleName: "de", lastName: "Vries", gender: "Male", birthDate: "1985-04-11T22:00:00Z",
    customerGroupId: 1, customerGroupCode: "B2C", language: "nl",
    billingAddress: { street: "Biltstraat", houseNumber: "88", postalCode: "3572 BJ", city: "Utrecht", countryCode: "NL" },
    createdAt: "2024-12-01T08:00:00Z", updatedAt: SHARED_CUSTOMER_STAMP,
  },
  {
    id: 10236, number: "C010236", type: "Person", state: "Active", email: "f.elamrani@example.be",
    firstName: "Fatima", lastName: "El Amrani", customerGroupId: 1, customerGroupCode: "B2C", language: "nl",
    billingAddress: { street: "Meir", houseNumber: "50", postalCode: "2000", city: "Antwerpen", countryCode: "BE" },
    createdAt: "2025-01-15T12:00:00.42Z", updatedAt: SHARED_CUSTOMER_STAMP,
  },
  {
    id: 10237, number: "C010237", type: "Person", state: "Inactive", firstName: "Pieter", lastName: "Janssen",
    createdAt: "2025-01-20T14:30:00Z", updatedAt: SHARED_CUSTOMER_STAMP,
  },
  {
    id: 10238, number: "C010238", type: "Company", state: "Active", email: "info@fietsenvandam.de",
    companyName: "Fahrräder Van Dam GmbH", vatNumber: "DE123456789", lastName: "Dam", middleName: "van",
    customerGroupId: 2, customerGroupCode: "B2B",
    billingAddress: { street: "Hauptstraße", houseNumber: "5", postalCode: "47533", city: "Kleve", countryCode: "DE" },
    createdAt: "2025-02-01T09:00:00Z", updatedAt: "2025-03-19T15:00:00.9Z",
  },
];

interface SeedOrderSpec {
  id: number;
  externalNumber?: string;
  source: string;
  channel: "Web" | "Store";
  storeId: number;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
  customerId?: number;
  lines: [sku: string, quantity: number, discountInclTax?: number][];
  shipping?: [shipmentTypeId: number, costInclTax: number];
  payment: [methodId: number, status: PaymentStatus, paidAt?: string];
  remarks?: string;
}

function seedOrder(spec: SeedOrderSpec): Order {
  const specs = spec.lines.map(([sku, quantity, discount]) => {
    const p = products.find((x) => x.number === sku);
    if (!p) throw new Error(`seed: unknown sku ${sku}`);
    return { product: p, quantity, discountAmountInclTax: discount };
  });
  const type = spec.shipping && reference.shipmentTypes.find((t) => t.id === spec.shipping?.[0]);
  const priced = priceOrder(specs, type && spec.shipping ? { type, costInclTax: spec.shipping[1], taxRate: 21 } : undefined);
  const customer = customers.find((c) => c.id === spec.customerId);
  const method = reference.paymentMethods.find((m) => m.id === spec.payment[0]);
  const [, payStatus, paidAt] = spec.payment;
  const prefix = spec.channel === "Web" ? "W" : "R";
  const order: Order = {
    id: spec.id, number: `${prefix}2025-${String(spec.id).padStart(6, "0")}`, source: spec.source, channel: spec.channel,
    storeId: spec.storeId, status: spec.status, currency: "EUR", createdAt: spec.createdAt, updatedAt: spec.updatedAt,
    ...priced,
    payment: { methodId: method?.id, methodCode: method?.code, status: payStatus },
  };
  if (spec.externalNumber) order.externalNumber = spec.externalNumber;
  if (customer) {
    order.customerId = customer.id;
    order.customer = customerSnapshot(customer);
    if (customer.billingAddress) order.billingAddress = customer.billingAddress as Order["billingAddress"];
  }
  if (payStatus === "Paid") Object.assign(order.payment, { amountPaid: priced.totals.totalInclTax, paidAt: paidAt ?? spec.createdAt });
  if (spec.remarks) order.remarks = spec.remarks;
  return order;
}

const SHARED_ORDER_STAMP = "2025-03-01T09:20:44.9Z";

const orders: Order[] = [
  seedOrder({ id: 4009, source: "Till", channel: "Store", storeId: 9, status: "Completed", createdAt: "2025-02-27T15:02:10.217Z", updatedAt: "2025-02-27T15:02:10.217Z", lines: [["601826", 2], ["200114", 1]], payment: [1, "Paid"] }),
  seedOrder({ id: 4010, externalNumber: "WS-100480", source: "Webshop", channel: "Web", storeId: 31, status: "Completed", createdAt: "2025-02-25T20:11:00Z", updatedAt: "2025-02-28T10:00:00Z", customerId: 10235, lines: [["300210", 1]], shipping: [1, 4.95], payment: [2, "Paid"] }),
  seedOrder({ id: 4011, externalNumber: "WS-100485", source: "Webshop", channel: "Web", storeId: 31, status: "Completed", createdAt: "2025-02-28T21:40:00Z", updatedAt: SHARED_ORDER_STAMP, customerId: 10236, lines: [["201016", 1]], shipping: [1, 4.95], payment: [2, "Paid"] }),
  seedOrder({ id: 4012, externalNumber: "WS-100488", source: "Webshop", channel: "Web", storeId: 31, status: "Processing", createdAt: "2025-03-01T09:15:02.123Z", updatedAt: SHARED_ORDER_STAMP, customerId: 10234, lines: [["601826", 6, 1.49], ["200114", 2]], shipping: [1, 4.95], payment: [2, "Paid", "2025-03-01T09:16:10Z"], remarks: "Graag achterom bezorgen" }),
  seedOrder({ id: 4013, externalNumber: "WS-100489", source: "Webshop", channel: "Web", storeId: 31, status: "New", createdAt: "2025-03-01T09:18:00Z", updatedAt: SHARED_ORDER_STAMP, customerId: 10235, lines: [["601830", 2], ["200115", 3]], shipping: [2, 0], payment: [4, "Unpaid"] }),
  seedOrder({ id: 4014, externalNumber: "WS-100490", source: "Webshop", channel: "Web", storeId: 31, status: "Cancelled", createdAt: "2025-03-01T09:19:00Z", updatedAt: SHARED_ORDER_STAMP, customerId: 10236, lines: [["601826", 1]], shipping: [1, 4.95], payment: [2, "Unpaid"] }),
  seedOrder({ id: 4015, externalNumber: "WS-100491", source: "Webshop", channel: "Web", storeId: 31, status: "New", createdAt: "2025-03-02T11:00:00Z", updatedAt: "2025-03-02T11:00:00.5Z", customerId: 10238, lines: [["300210", 2], ["KORTING", 1]], shipping: [1, 6.95], payment: [4, "Unpaid"] }),
];

const STOCK_STAMP = "2025-03-19T23:05:08.607Z";

function stockRow(productId: number, storeId: number, physical: number, extra: Partial<StockRow> = {}): StockRow {
  return {
    productId, storeId, warehouseId: storeId, physical4: toScaled(physical, 4), reserved4: 0n,
    minimum4: toScaled(1, 4), maximum4: toScaled(24, 4), allowSystemOverride: true,
    dates: { firstPurchaseDate: "2025-02-18T15:43:40.217Z", firstReceivingDate: "2025-02-19T23:00:00Z", lastReceivingDate: "2025-03-26T23:00:00Z" },
    updatedAt: STOCK_STAMP, ...extra,
  };
}

const stock: StockRow[] = [
  stockRow(48213, 9, 14, { lastSellingPrice: 2.0579, dates: { firstSalesDate: "2025-03-19T13:41:49.417Z", lastSalesDate: "2025-03-19T13:41:49.417Z" } }),
  stockRow(48213, 13, 3),
  stockRow(48213, 31, 40),
  stockRow(48214, 31, 12),
  stockRow(51002, 9, 20),
  stockRow(51002, 31, 30),
  stockRow(51003, 31, 8, { updatedAt: "2025-03-20T08:16:40.2Z" }),
  stockRow(52010, 31, 5, { updatedAt: "2025-03-20T08:16:40.2Z" }),
  stockRow(52011, 13, 1, { lastSellingPrice: 16.5124, updatedAt: "2025-03-25T14:44:15.857Z" }),
  stockRow(54000, 9, 500),
];

/** Open web orders hold reservations; derive them so the seed is consistent with the order rules. */
function withReservations(rows: StockRow[]): StockRow[] {
  for (const o of orders) {
    if (o.channel !== "Web" || !["New", "Processing", "ReadyForPickup"].includes(o.status)) continue;
    for (const line of o.lines) {
      const row = rows.find((r) => r.productId === line.productId && r.storeId === o.storeId);
      if (row) row.reserved4 += toScaled(line.quantity, 4);
    }
  }
  return rows;
}

export function demoSeed(): Seed {
  return structuredClone({ stores, products, storePrices, stock: withReservations(stock.map((r) => ({ ...r }))), customers, orders, reference });
}
