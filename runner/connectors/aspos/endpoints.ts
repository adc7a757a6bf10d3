/**
 * Every AsPos path, query parameter and paging header the connector uses, in one table. A tenant on
 * another API version overrides entries under `endpoints:` in the connection config instead of
 * changing code. Paths follow the modeled contract (docs/aspos.md says which parts are verified).
 */
import type { HttpMethod } from "../http/client.ts";

export interface PagingParams {
  readonly cursor: string;
  readonly limit: string;
  readonly updatedSince: string;
  readonly nextCursorHeader: string;
  readonly hasMoreHeader: string;
  /** The record field the list is ordered by and `updatedSince` filters on. */
  readonly updatedField: string;
  readonly maxLimit: number;
}

export const DEFAULT_PAGING: PagingParams = {
  cursor: "cursor",
  limit: "limit",
  updatedSince: "updatedSince",
  nextCursorHeader: "X-Next-Cursor",
  hasMoreHeader: "X-Has-More",
  updatedField: "updatedAt",
  maxLimit: 500,
};

export interface ReadEndpoint {
  /** May hold `{field}` placeholders, filled from equality filters of a find. */
  readonly path: string;
  /** Keyset-paged list (cursor + headers); unpaged lists answer in one bare array. */
  readonly paged?: boolean;
  readonly paging?: Partial<PagingParams>;
  /** Record field → query parameter, for equality filters the API applies itself. */
  readonly filters?: Readonly<Record<string, string>>;
  /** Fixed query parameters sent on every call. */
  readonly query?: Readonly<Record<string, string>>;
  /** Record fields a find must filter on (eq) because the endpoint cannot answer without them. */
  readonly requires?: readonly string[];
}

export interface WriteEndpoint {
  readonly method: HttpMethod;
  /** `{field}` placeholders are filled from the payload and those properties leave the body. */
  readonly path: string;
  /** Send the SendRequest's idempotency key as the `Idempotency-Key` header. */
  readonly idempotent?: boolean;
  /** Batch answers that apply items one by one: any item whose `field` equals `equals` fails the send. */
  readonly rejectWhen?: { readonly array: string; readonly field: string; readonly equals: string };
}

export interface ObjectEndpoints {
  readonly list?: ReadEndpoint;
  /** One record by key; a find with `eq` on every placeholder uses it (404 → no rows). */
  readonly get?: ReadEndpoint;
  readonly insert?: WriteEndpoint;
  readonly update?: WriteEndpoint;
  readonly upsert?: WriteEndpoint;
  readonly delete?: WriteEndpoint;
  /** Upsert without an upsert endpoint: look the record up by these fields, then update or insert. */
  readonly matchOn?: readonly string[];
  /** Payload properties that address an existing record (the schema's `x-key`). */
  readonly key?: readonly string[];
}

export type EndpointTable = Readonly<Record<string, ObjectEndpoints>>;

const list = (path: string, extra: Omit<ReadEndpoint, "path"> = {}): ReadEndpoint => ({ path, ...extra });

export const DEFAULT_ENDPOINTS: EndpointTable = {
  stores: {
    list: list("/api/stores", { query: { includeNonActiveStores: "true" } }),
    get: list("/api/stores/{id}"),
    key: ["id"],
  },
  products: {
    list: list("/api/products", { paged: true, filters: { number: "number", sku: "number", barcode: "barcode", state: "state" } }),
    get: list("/api/products/{id}"),
    key: ["id"],
  },
  webProducts: {
    list: list("/api/sync/web-products", { filters: { storeId: "storeId" }, requires: ["storeId"] }),
  },
  stockInfo: {
    list: list("/api/products/{productId}/stock-info", { filters: { storeId: "storeId" }, requires: ["productId"] }),
  },
  stock: {
    list: list("/api/stock", { paged: true, filters: { storeId: "storeId", productId: "productId", number: "number", sku: "number" } }),
    update: { method: "PUT", path: "/api/products/{productId}/stock/{storeId}", idempotent: true },
    upsert: { method: "PUT", path: "/api/products/{productId}/stock/{storeId}", idempotent: true },
    key: ["productId", "storeId"],
  },
  stockMutations: {
    insert: {
      method: "POST", path: "/api/stock-mutations", idempotent: true,
      rejectWhen: { array: "results", field: "status", equals: "Rejected" },
    },
  },
  customers: {
    list: list("/api/customers", { paged: true, filters: { email: "email", number: "number" } }),
    get: list("/api/customers/{id}"),
    insert: { method: "POST", path: "/api/customers", idempotent: true },
    update: { method: "PATCH", path: "/api/customers/{id}" },
    matchOn: ["email"],
    key: ["id"],
  },
  orders: {
    list: list("/api/orders", {
      paged: true,
      filters: { status: "status", channel: "channel", storeId: "storeId", customerId: "customerId", number: "number", externalNumber: "externalNumber" },
    }),
    get: list("/api/orders/{id}"),
    insert: { method: "POST", path: "/api/orders", idempotent: true },
    key: ["id"],
  },
  receipts: {
    list: list("/api/orders", { paged: true, query: { channel: "Store" }, filters: { storeId: "storeId", customerId: "customerId", number: "number" } }),
    key: ["id"],
  },
  orderStatus: { update: { method: "PATCH", path: "/api/orders/{id}/status" }, key: ["id"] },
  orderPayment: { update: { method: "PATCH", path: "/api/orders/{id}/payment" }, key: ["id"] },
  shipmentTypes: { list: list("/api/shipment-types") },
  paymentMethods: { list: list("/api/payment-methods") },
  paymentTerms: { list: list("/api/payment-terms") },
  taxRates: { list: list("/api/tax-rates") },
  priceLists: { list: list("/api/price-lists") },
  customerGroups: { list: list("/api/customer-groups") },
  customFields: { list: list("/api/custom-fields", { filters: { entity: "entity" } }) },
  priceListPrices: { list: list("/api/price-lists/{priceListId}/prices", { paged: true, requires: ["priceListId"] }) },
};

/** A config override replaces single operations of an object, or adds objects. */
export function mergeEndpoints(overrides: Partial<EndpointTable> | undefined): EndpointTable {
  const table: Record<string, ObjectEndpoints> = { ...DEFAULT_ENDPOINTS };
  for (const [name, ops] of Object.entries(overrides ?? {})) {
    if (ops) table[name] = { ...table[name], ...ops };
  }
  return table;
}

export function pagingOf(endpoint: ReadEndpoint): PagingParams {
  return { ...DEFAULT_PAGING, ...endpoint.paging };
}

/** The `{name}` placeholders of a path template. */
export function placeholders(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}

export function fillPath(path: string, values: Readonly<Record<string, unknown>>): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(values[name])));
}
