import { toScaled } from "../decimal.ts";
import { notFound, Problem, Validation } from "../problem.ts";
import type { Order, OrderStatus, PaymentStatus, Product } from "../types.ts";
import type { SimContext } from "./context.ts";
import { customerSnapshot } from "./customers.ts";
import { priceOrder, type LineSpec, type ShippingSpec } from "./pricing.ts";
import { changeStock, tracksStock } from "./stock.ts";
import { BodyReader, compact } from "./values.ts";

export const ORDER_STATUSES = ["New", "Processing", "ReadyForPickup", "Shipped", "Completed", "Cancelled"] as const;
export const PAYMENT_STATUSES = ["Unpaid", "PartiallyPaid", "Paid", "Refunded"] as const;

export const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  New: ["Processing", "Cancelled"],
  Processing: ["ReadyForPickup", "Shipped", "Cancelled"],
  ReadyForPickup: ["Completed", "Cancelled"],
  Shipped: ["Completed"],
  Completed: [],
  Cancelled: [],
};

/** While an order is in one of these, its lines hold a reservation in the order's store. */
const RESERVING: ReadonlySet<OrderStatus> = new Set(["New", "Processing", "ReadyForPickup"]);

function findProduct(products: readonly Product[], sku: string | undefined, productId: number | undefined): Product | undefined {
  if (productId !== undefined) return products.find((p) => p.id === productId);
  return products.find((p) => p.number === sku);
}

function unprocessable(code: string, title: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return new Problem(422, code, title, detail, extra);
}

function readLines(ctx: SimContext, r: BodyReader, v: Validation): { specs: LineSpec[]; missing: string[]; missingErrors: Record<string, string[]> } {
  const lines = r.array("lines", { required: true, min: 1, max: 500 }) ?? [];
  const specs: LineSpec[] = [];
  const missing: string[] = [];
  const missingErrors: Record<string, string[]> = {};
  lines.forEach((line, i) => {
    const sku = line.string("sku", { max: 50 });
    const productId = line.number("productId", { integer: true });
    if (sku === undefined && productId === undefined) v.add(`lines[${i}].sku`, "Each line needs a sku or a productId.");
    const quantity = line.number("quantity", { required: true });
    if (quantity === 0) line.bad("quantity", "must not be zero");
    const incl = line.number("unitPriceInclTax");
    const excl = line.number("unitPriceExclTax");
    if ((incl === undefined) === (excl === undefined)) v.add(`lines[${i}].unitPriceInclTax`, "Give exactly one of unitPriceInclTax and unitPriceExclTax.");
    const taxRate = line.number("taxRate");
    if (taxRate !== undefined && !ctx.state.reference.taxRates.some((t) => t.rate === taxRate)) line.bad("taxRate", "is not a known tax rate");
    const discount = line.number("discountAmountInclTax");
    const description = line.string("description", { max: 200 });
    if (sku === undefined && productId === undefined) return;
    const product = findProduct(ctx.state.products, sku, productId);
    if (!product) {
      const name = sku ?? String(productId);
      missing.push(name);
      missingErrors[`lines[${i}].${sku !== undefined ? "sku" : "productId"}`] = [`Unknown SKU '${name}'.`];
      return;
    }
    specs.push({ product, quantity: quantity ?? 0, taxRate, unitPriceInclTax: incl, unitPriceExclTax: excl, discountAmountInclTax: discount, description });
  });
  return { specs, missing, missingErrors };
}

function readShipping(ctx: SimContext, r: BodyReader): ShippingSpec | undefined {
  const s = r.object("shipping");
  if (!s) return undefined;
  const typeId = s.number("shipmentTypeId", { integer: true, required: true });
  const cost = s.number("costInclTax") ?? 0;
  const taxRate = s.number("taxRate") ?? 21;
  const carrier = s.string("carrier", { max: 50 });
  if (typeId === undefined) return undefined;
  const type = ctx.state.reference.shipmentTypes.find((t) => t.id === typeId);
  if (!type) throw unprocessable("UnknownShipmentType", "The shipment type does not exist.", `Shipment type ${typeId} does not exist.`);
  return { type, costInclTax: cost, taxRate, carrier };
}

function readPayment(ctx: SimContext, r: BodyReader): Record<string, unknown> & { status: PaymentStatus } {
  const p = r.object("payment");
  const methodId = p?.number("methodId", { integer: true });
  const status = p?.enumOf("status", PAYMENT_STATUSES) ?? "Unpaid";
  const termCode = p?.string("termCode", { max: 20 });
  const amountPaid = p?.number("amountPaid");
  const transactionReference = p?.string("transactionReference", { max: 100 });
  const method = methodId === undefined ? undefined : ctx.state.reference.paymentMethods.find((m) => m.id === methodId);
  if (methodId !== undefined && !method) {
    throw unprocessable("UnknownPaymentMethod", "The payment method does not exist.", `Payment method ${methodId} does not exist.`);
  }
  if (termCode !== undefined && !ctx.state.reference.paymentTerms.some((t) => t.code === termCode)) {
    throw unprocessable("UnknownPaymentTerm", "The payment term does not exist.", `Payment term ${termCode} does not exist.`);
  }
  return compact({ methodId, methodCode: method?.code, status, termCode, amountPaid, transactionReference });
}

function year(ctx: SimContext): number {
  return new Date(ctx.now()).getUTCFullYear();
}

/** Reserves (sign 1) or releases (sign -1) the stock of every counted line. */
function reserve(ctx: SimContext, order: Order, sign: 1n | -1n): void {
  for (const line of order.lines) {
    const product = ctx.state.products.find((p) => p.id === line.productId);
    if (!product || !tracksStock(product)) continue;
    changeStock(ctx, { productId: line.productId, storeId: order.storeId, reservedDelta4: sign * toScaled(line.quantity, 4), reason: "Reservation", reference: order.number });
  }
}

function ship(ctx: SimContext, order: Order, releaseReservation: boolean): void {
  for (const line of order.lines) {
    const product = ctx.state.products.find((p) => p.id === line.productId);
    if (!product || !tracksStock(product)) continue;
    const qty = toScaled(line.quantity, 4);
    changeStock(ctx, { productId: line.productId, storeId: order.storeId, physicalDelta4: -qty, reservedDelta4: releaseReservation ? -qty : 0n, reason: "Sale", reference: order.number });
  }
}

export function createWebOrder(ctx: SimContext, body: Record<string, unknown>): Order {
  const v = new Validation();
  const r = new BodyReader(body, v);
  r.enumOf("channel", ["Web"] as const);
  const storeId = r.number("storeId", { required: true, integer: true });
  const customerId = r.number("customerId", { integer: true });
  const externalNumber = r.string("externalNumber", { max: 50 });
  const source = r.string("source", { max: 50 }) ?? "Api";
  const remarks = r.string("remarks", { max: 1000 });
  const billingAddress = r.address("billingAddress", { required: customerId === undefined });
  const shippingAddress = r.address("shippingAddress");
  const guest = r.object("customer", { required: customerId === undefined });
  if (customerId === undefined && guest) guest.string("email", { required: true, max: 254 });
  const { specs, missing, missingErrors } = readLines(ctx, r, v);
  const shippingSpec = readShipping(ctx, r);
  const payment = readPayment(ctx, r);
  v.throwIfFailed();

  const state = ctx.state;
  const duplicate = externalNumber === undefined ? undefined : state.orders.find((o) => o.externalNumber === externalNumber);
  if (duplicate) {
    throw new Problem(409, "DuplicateExternalNumber", "An order with this external number exists.",
      `Order ${duplicate.id} already has external number ${externalNumber}.`, { existingId: duplicate.id });
  }
  if (!state.stores.some((s) => s.id === storeId)) throw unprocessable("UnknownStore", "The store does not exist.", `Store ${storeId} does not exist.`);
  const customer = customerId === undefined ? undefined : state.customers.find((c) => c.id === customerId);
  if (customerId !== undefined && !customer) throw unprocessable("UnknownCustomer", "The customer does not exist.", `Customer ${customerId} does not exist.`);
  if (missing.length > 0) {
    throw unprocessable("UnknownSku", "One or more products do not exist.",
      `${missing.length} of ${missing.length + specs.length} order lines reference unknown SKUs.`, { errors: missingErrors, missingSkus: missing });
  }

  const id = state.seq.order + 1;
  const stamp = ctx.stamp();
  const order: Order = compact({
    id,
    number: `W${year(ctx)}-${String(id).padStart(6, "0")}`,
    externalNumber,
    source,
    channel: "Web" as const,
    storeId: storeId as number,
    status: "New" as const,
    currency: "EUR" as const,
    createdAt: stamp,
    updatedAt: stamp,
    customerId,
    customer: customer ? customerSnapshot(customer) : compact({ ...guest?.body }),
    billingAddress: billingAddress ?? (customer?.billingAddress as Order["billingAddress"]),
    shippingAddress,
    ...priceOrder(specs, shippingSpec),
    payment,
    remarks,
  });
  state.seq.order = id;
  state.orders.push(order);
  reserve(ctx, order, 1n);
  ctx.emit("order.created", { object: order });
  if (payment.status === "Paid") ctx.emit("order.paid", { object: order });
  return order;
}

function replaceOrder(ctx: SimContext, before: Order, after: Order, changedFields: string[]): Order {
  const index = ctx.state.orders.findIndex((o) => o.id === before.id);
  const updated = { ...after, updatedAt: ctx.stamp() };
  ctx.state.orders[index] = updated;
  const previous = Object.fromEntries(changedFields.map((k) => [k, (before as unknown as Record<string, unknown>)[k]]));
  ctx.emit("order.updated", { object: updated, previous, changedFields });
  return updated;
}

function getOrder(ctx: SimContext, id: number): Order {
  const order = ctx.state.orders.find((o) => o.id === id);
  if (!order) throw notFound(`Order ${id}`);
  return order;
}

export function changeStatus(ctx: SimContext, id: number, body: Record<string, unknown>): Order {
  const v = new Validation();
  const r = new BodyReader(body, v);
  const status = r.enumOf("status", ORDER_STATUSES, { required: true });
  const carrier = r.string("carrier", { max: 50 });
  const trackingCode = r.string("trackingCode", { max: 100 });
  r.string("comment", { max: 1000 });
  v.throwIfFailed();
  const order = getOrder(ctx, id);
  const target = status as OrderStatus;
  if (order.status === target) return order;
  const allowed = order.channel === "Store" ? [] : TRANSITIONS[order.status];
  if (!allowed.includes(target)) {
    throw new Problem(409, "InvalidStatusTransition", "Status change not allowed.",
      `Order ${id} is ${order.status}; it cannot become ${target}.`, { currentStatus: order.status, allowed });
  }
  const changed = ["status"];
  let shipping = order.shipping;
  if (carrier !== undefined || trackingCode !== undefined) {
    shipping = compact({ ...order.shipping, carrier: carrier ?? order.shipping?.carrier, trackingCode: trackingCode ?? order.shipping?.trackingCode });
    changed.push("shipping");
  }
  if (RESERVING.has(order.status) && (target === "Shipped" || target === "Completed")) ship(ctx, order, true);
  if (RESERVING.has(order.status) && target === "Cancelled") reserve(ctx, order, -1n);
  return replaceOrder(ctx, order, compact({ ...order, status: target, shipping }), changed);
}

export function changePayment(ctx: SimContext, id: number, body: Record<string, unknown>): Order {
  const v = new Validation();
  const r = new BodyReader(body, v);
  const fields = compact({
    status: r.enumOf("status", PAYMENT_STATUSES),
    amountPaid: r.number("amountPaid"),
    paidAt: r.instant("paidAt"),
    transactionReference: r.string("transactionReference", { max: 100 }),
    methodId: r.number("methodId", { integer: true }),
  });
  v.throwIfFailed();
  const order = getOrder(ctx, id);
  const method = fields.methodId === undefined ? undefined : ctx.state.reference.paymentMethods.find((m) => m.id === fields.methodId);
  if (fields.methodId !== undefined && !method) {
    throw unprocessable("UnknownPaymentMethod", "The payment method does not exist.", `Payment method ${fields.methodId} does not exist.`);
  }
  const payment: Order["payment"] = compact({ ...order.payment, ...fields, status: fields.status ?? order.payment.status, ...(method ? { methodCode: method.code } : {}) });
  if (JSON.stringify(payment) === JSON.stringify(order.payment)) return order;
  const updated = replaceOrder(ctx, order, { ...order, payment }, ["payment"]);
  if (payment.status === "Paid" && order.payment.status !== "Paid") ctx.emit("order.paid", { object: updated });
  return updated;
}

export interface ReceiptInput {
  readonly storeId: number;
  readonly lines: readonly { sku: string; quantity: number }[];
  readonly paymentMethodId?: number;
}

/** A till sale: arrives complete and paid, and lowers physical stock at once. */
export function addReceipt(ctx: SimContext, input: ReceiptInput): Order {
  const state = ctx.state;
  if (!state.stores.some((s) => s.id === input.storeId)) throw unprocessable("UnknownStore", "The store does not exist.", `Store ${input.storeId} does not exist.`);
  const specs = input.lines.map((l) => {
    const product = findProduct(state.products, l.sku, undefined);
    if (!product) throw unprocessable("UnknownSku", "One or more products do not exist.", `Unknown SKU '${l.sku}'.`, { missingSkus: [l.sku] });
    return { product, quantity: l.quantity };
  });
  const method = state.reference.paymentMethods.find((m) => m.id === (input.paymentMethodId ?? 1));
  const id = state.seq.order + 1;
  const stamp = ctx.stamp();
  const priced = priceOrder(specs);
  const order: Order = compact({
    id,
    number: `R${year(ctx)}-${String(id).padStart(6, "0")}`,
    source: "Till",
    channel: "Store" as const,
    storeId: input.storeId,
    status: "Completed" as const,
    currency: "EUR" as const,
    createdAt: stamp,
    updatedAt: stamp,
    ...priced,
    payment: compact({ methodId: method?.id, methodCode: method?.code, status: "Paid" as const, amountPaid: priced.totals.totalInclTax, paidAt: stamp }),
  });
  state.seq.order = id;
  state.orders.push(order);
  ship(ctx, order, false);
  ctx.emit("order.created", { object: order });
  ctx.emit("order.paid", { object: order });
  return order;
}
