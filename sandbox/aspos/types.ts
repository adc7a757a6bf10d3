/**
 * Records are kept in wire shape (camelCase, absent = property missing) so a handler answers with
 * the stored object itself. Quantities on stock rows are the exception: integers at scale 4.
 */

export interface Address {
  name?: string;
  street?: string;
  houseNumber?: string;
  houseNumberAddition?: string;
  postalCode?: string;
  city?: string;
  countryCode?: string;
}

export interface Store {
  id: number;
  code: string;
  name: string;
  street?: string;
  postalCode?: string;
  city?: string;
  countryCode?: string;
  phoneNumber?: string;
  email?: string;
  status: "Active" | "Inactive" | "Test";
  warehouseId: number;
  isWebshop: boolean;
}

export interface Product {
  id: number;
  number: string;
  sku: string;
  barcode?: string;
  barcodes?: string[];
  description: string;
  secondDescription?: string;
  state: "Active" | "Inactive";
  webEnabled: boolean;
  priceInclTax: number;
  priceExclTax: number;
  taxRate: number;
  taxCode: string;
  brandId?: number;
  groupId?: number;
  collectionCode?: string;
  collectionDescription?: string;
  bonusPoints?: number;
  /** `Service` articles (shipping, discount) carry no stock. */
  unit: "Piece" | "Service";
  imageUrl?: string;
  createdAt: string;
  updatedAt: string;
}

export interface StockRow {
  productId: number;
  storeId: number;
  warehouseId: number;
  physical4: bigint;
  reserved4: bigint;
  minimum4?: bigint;
  maximum4?: bigint;
  allowSystemOverride: boolean;
  /** The verified stock-info date facts (firstSalesDate, lastReceivingDate, …). */
  dates: Record<string, string>;
  lastSellingPrice?: number;
  updatedAt: string;
}

export interface Customer {
  id: number;
  number: string;
  type: "Person" | "Company";
  state: "Active" | "Inactive";
  email?: string;
  customerGroupId?: number;
  priceListId?: number;
  customFields?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

export type OrderStatus = "New" | "Processing" | "ReadyForPickup" | "Shipped" | "Completed" | "Cancelled";
export type PaymentStatus = "Unpaid" | "PartiallyPaid" | "Paid" | "Refunded";

export interface OrderLine {
  lineNumber: number;
  productId: number;
  sku: string;
  barcode?: string;
  description: string;
  quantity: number;
  taxRate: number;
  unitPriceInclTax: number;
  unitPriceExclTax: number;
  discountAmountInclTax: number;
  lineTotalInclTax: number;
  lineTotalExclTax: number;
  lineTaxAmount: number;
}

export interface Order {
  id: number;
  number: string;
  externalNumber?: string;
  source: string;
  channel: "Web" | "Store";
  storeId: number;
  status: OrderStatus;
  currency: "EUR";
  createdAt: string;
  updatedAt: string;
  customerId?: number;
  customer?: Record<string, unknown>;
  billingAddress?: Address;
  shippingAddress?: Address;
  lines: OrderLine[];
  shipping?: Record<string, unknown>;
  payment: Record<string, unknown> & { status: PaymentStatus };
  totals: Record<string, unknown>;
  remarks?: string;
  customFields?: Record<string, string>;
}

export interface ShipmentType { id: number; code: string; description: string; state: "Active" | "Inactive"; carrier?: string }
export interface PaymentMethod { id: number; code: string; description: string }
export interface PaymentTerm { code: string; description: string; days: number }
export interface TaxRate { code: string; rate: number; countryCode: string }
export interface PriceList { id: number; code: string; description: string; pricesIncludeTax: boolean }
export interface CustomerGroup { id: number; code: string; description: string }
export interface CustomFieldDef { entity: "Customer" | "Order"; key: string; label: string; type: "Text" | "Number" | "Date" | "Boolean" }
export interface PriceListPrice { priceListId: number; productId: number; number: string; price: number; minQuantity: number; updatedAt: string }

export interface Reference {
  shipmentTypes: ShipmentType[];
  paymentMethods: PaymentMethod[];
  paymentTerms: PaymentTerm[];
  taxRates: TaxRate[];
  priceLists: PriceList[];
  customerGroups: CustomerGroup[];
  customFields: CustomFieldDef[];
  priceListPrices: PriceListPrice[];
}

export interface Seed {
  stores: Store[];
  products: Product[];
  /** "productId:storeId" → that store's consumer price incl. tax (web-products). */
  storePrices: Record<string, number>;
  stock: StockRow[];
  customers: Customer[];
  orders: Order[];
  reference: Reference;
}
