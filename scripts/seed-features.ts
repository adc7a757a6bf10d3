/**
 * The feature rows of the product page Koppel replaces (shared/reference/seed-features.md), one
 * entry per table row, each with a stable tag. Fixture case names carry the tag in brackets, e.g.
 * "[tax-code-per-country] BE order gets VAT duty 4"; docs/flows.md is generated from those names and
 * tests/docs/flows.test.ts fails when a row has no case. The list is kept here so the check does
 * not depend on files outside the repository. `extra` rows are the page's order process, settings and Koppel's own additions (no table row).
 */
export interface FeatureRow {
  readonly tag: string;
  /** The row's first cell in seed-features.md, for the cross-check when that file is at hand. */
  readonly seed?: string;
  readonly group: string;
  readonly feature: string;
  readonly extra?: boolean;
}

export const FEATURE_ROWS: readonly FeatureRow[] = [
  { tag: "financial-entry", seed: "financial mutation (Finanzielle Mutation)", group: "Sales orders", feature: "financial mutation: order → FiEntries journal entry" },
  { tag: "sales-order", seed: "sales orders (Verkaufsaufträge)", group: "Sales orders", feature: "sales orders: order → FbSales" },
  { tag: "direct-invoice", seed: "sales invoices / direct invoices", group: "Sales orders", feature: "sales / direct invoices: order → FbDirectInvoice" },
  { tag: "customers", seed: "customers (Kunden)", group: "Sales orders", feature: "customers: the order's customer becomes an AFAS debtor, found by e-mail, created or updated" },
  { tag: "order-stock", seed: "stock (Bestand)", group: "Sales orders", feature: "stock: order lines lower stock" },
  { tag: "tax-number", seed: "tax number (Steuernummer)", group: "Sales orders", feature: "tax number: customer VAT number → debtor VAT number" },
  { tag: "tax-code-per-country", seed: "tax code per country", group: "Sales orders", feature: "tax code per country (taxCodeByCountry)" },
  { tag: "shipping-costs", seed: "shipping costs", group: "Sales orders", feature: "shipping costs: extra line on a cost item / ledger account" },
  { tag: "shipping-methods", seed: "shipping methods", group: "Sales orders", feature: "shipping methods (map shippingMethod)" },
  { tag: "payment-terms-methods", seed: "payment terms, payment methods", group: "Sales orders", feature: "payment terms and payment methods (maps paymentTerm, paymentMethod)" },
  { tag: "discounts", seed: "discounts", group: "Sales orders", feature: "discounts: line and order discounts" },
  { tag: "revenue-account-per-country", seed: "revenue account per country", group: "Sales orders", feature: "revenue account per country (revenueAccountByCountry)" },
  { tag: "cost-center-cost-unit", seed: "cost center & cost unit", group: "Sales orders", feature: "cost center and cost unit: settings, overridable per line" },
  { tag: "order-status", seed: "order status (Bestellstatus)", group: "Sales orders", feature: "order status sync" },
  { tag: "default-debtor", seed: "default debtor (Standard-Schuldner)", group: "Sales orders", feature: "default debtor: every order on one debtor, no customer upsert" },
  { tag: "custom-fields", seed: "custom fields", group: "Sales orders", feature: "custom fields: AFAS free fields and AsPos custom fields by config" },
  { tag: "unlimited-transactions", seed: "unlimited transactions", group: "Sales orders", feature: "unlimited transactions: no per-run caps" },
  { tag: "stock-update", seed: "stock update", group: "Stocks", feature: "stock update: AFAS stock → AsPos (absolute), AsPos sales → AFAS stock mutation" },
  { tag: "customer-revenue-costcenter", seed: "revenue account per country, cost center & cost unit", group: "Customers", feature: "revenue account per country, cost center and cost unit as debtor defaults" },
  { tag: "customer-update", seed: "customer update", group: "Customers", feature: "customer update both ways (e-mail, then stored link)" },
  { tag: "customer-default-tax-code", seed: "default tax code per country", group: "Customers", feature: "default tax code per country on the debtor" },
  { tag: "customer-custom-fields", seed: "custom fields", group: "Customers", feature: "custom fields on customers" },
  { tag: "customer-classification", seed: "customer classification", group: "Customers", feature: "customer classification: AsPos customer group ↔ AFAS debtor" },
  { tag: "process-administration", group: "Order process", feature: "1. fetch the order, add the administration id", extra: true },
  { tag: "process-skip-existing", group: "Order process", feature: "2. skip an order the target already has", extra: true },
  { tag: "process-customer-org-person", group: "Order process", feature: "3. customer by e-mail: organisation with contact person, or person", extra: true },
  { tag: "process-sku-check", group: "Order process", feature: "4. every SKU exists, else fail naming the missing ones", extra: true },
  { tag: "process-finalize", group: "Order process", feature: "5. finalize (create) the order", extra: true },
  { tag: "default-field-mapping", group: "Settings", feature: "default field mapping, editable in the flows", extra: true },
  { tag: "address-parsing", group: "Settings", feature: "street line → street, house number, addition", extra: true },
  { tag: "country-codes", group: "Settings", feature: "ISO ↔ AFAS country codes (countryToAfas and its inverse)", extra: true },
  { tag: "loop-guard", group: "Koppel", feature: "an update Koppel caused does not bounce back", extra: true },
];
