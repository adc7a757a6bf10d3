import { fromScaled } from "../decimal.ts";
import type { Product, StockRow } from "../types.ts";
import type { SimContext } from "./context.ts";
import { compact } from "./values.ts";

export const STOCK_REASONS = ["Sale", "Return", "Receipt", "Count", "Correction", "Transfer", "Reservation", "Other"] as const;
export type StockReason = (typeof STOCK_REASONS)[number];

/** Stock rows have no id of their own; paging breaks updatedAt ties on (productId, storeId). */
export function stockKey(row: { productId: number; storeId: number }): number {
  return row.productId * 1_000_000 + row.storeId;
}

export function stockLevel(row: StockRow, product: Product | undefined): Record<string, unknown> {
  return compact({
    productId: row.productId,
    number: product?.number,
    storeId: row.storeId,
    warehouseId: row.warehouseId,
    physicalStockQuantity: fromScaled(row.physical4, 4),
    reservedQuantity: fromScaled(row.reserved4, 4),
    availableQuantity: fromScaled(row.physical4 - row.reserved4, 4),
    updatedAt: row.updatedAt,
  });
}

/** The verified `stock-info` element shape (A.3), field for field. */
export function stockInfo(row: StockRow): Record<string, unknown> {
  return compact({
    availableQuantity: fromScaled(row.physical4 - row.reserved4, 4),
    physicalStockQuantity: fromScaled(row.physical4, 4),
    minimumStockQuantity: row.minimum4 === undefined ? undefined : fromScaled(row.minimum4, 4),
    maximumStockQuantity: row.maximum4 === undefined ? undefined : fromScaled(row.maximum4, 4),
    storeId: row.storeId,
    allowSystemOverride: row.allowSystemOverride,
    warehouseId: row.warehouseId,
    ...row.dates,
    lastSellingPrice: row.lastSellingPrice,
  });
}

function rowFor(ctx: SimContext, productId: number, storeId: number): StockRow {
  const state = ctx.state;
  let row = state.stock.find((r) => r.productId === productId && r.storeId === storeId);
  if (!row) {
    const store = state.stores.find((s) => s.id === storeId);
    row = { productId, storeId, warehouseId: store?.warehouseId ?? storeId, physical4: 0n, reserved4: 0n, allowSystemOverride: true, dates: {}, updatedAt: ctx.stamp() };
    state.stock.push(row);
  }
  return row;
}

export interface StockChange {
  readonly productId: number;
  readonly storeId: number;
  /** Absolute physical quantity (scale 4); wins over physicalDelta4. */
  readonly setPhysical4?: bigint;
  readonly physicalDelta4?: bigint;
  readonly reservedDelta4?: bigint;
  readonly reason: StockReason;
  readonly reference?: string | undefined;
}

/**
 * The one place stock moves. Physical stock may go negative: tills never block a sale. Emits
 * `stock.changed` with the physical delta, unless nothing moved.
 */
export function changeStock(ctx: SimContext, change: StockChange): StockRow {
  const row = rowFor(ctx, change.productId, change.storeId);
  const before = row.physical4;
  const newPhysical = change.setPhysical4 ?? row.physical4 + (change.physicalDelta4 ?? 0n);
  const newReserved = row.reserved4 + (change.reservedDelta4 ?? 0n);
  if (newPhysical === row.physical4 && newReserved === row.reserved4) return row;
  row.physical4 = newPhysical;
  row.reserved4 = newReserved < 0n ? 0n : newReserved;
  row.updatedAt = ctx.stamp();
  const iso = row.updatedAt;
  if (newPhysical < before && change.reason === "Sale") row.dates = { ...row.dates, lastSalesDate: iso, firstSalesDate: row.dates.firstSalesDate ?? iso };
  if (newPhysical > before && change.reason === "Receipt") row.dates = { ...row.dates, lastReceivingDate: iso, firstReceivingDate: row.dates.firstReceivingDate ?? iso };
  if (change.reason === "Count") row.dates = { ...row.dates, lastCountingDate: iso, firstCountingDate: row.dates.firstCountingDate ?? iso };
  const product = ctx.state.products.find((p) => p.id === row.productId);
  ctx.emit("stock.changed", compact({
    object: stockLevel(row, product),
    delta: fromScaled(newPhysical - before, 4),
    reason: change.reason,
    reference: change.reference,
  }));
  return row;
}

/** Service articles (discount, shipping) are sold but never counted. */
export function tracksStock(product: Product): boolean {
  return product.unit !== "Service";
}
