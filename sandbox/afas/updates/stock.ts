import { ProfitError } from "../errors.ts";
import { stockKey } from "../model.ts";
import type { UpdateConnectorDef } from "./types.ts";

/** Mutation kinds the simulator books; the document kinds belong to Profit's own order processing. */
const SIGN: Record<string, 1 | -1> = { "31": 1, "41": 1, "32": -1, "42": -1 };

export const FbStockMutation: UpdateConnectorDef = {
  root: "FbStockMutation",
  insert(ctx, payload) {
    const sign = SIGN[String(payload.VaOt)];
    if (!sign) throw new ProfitError(`Mutation kind (VaOt) '${String(payload.VaOt)}' is not allowed here; send 41 (in) or 42 (out), twice for a transfer.`);
    const item = ctx.data.items.get(String(payload.ItCd));
    if (!item || item.Type !== "2") throw new ProfitError(`The entered value for 'Item' (${String(payload.ItCd)}) does not exist.`);
    const warehouse = String(payload.War);
    if (!ctx.data.warehouses.includes(warehouse)) throw new ProfitError(`The entered value for 'Warehouse' (${warehouse}) does not exist.`);
    const key = stockKey(item.ItemCode, warehouse);
    const stock = ctx.data.stock.get(key) ?? { ItemCode: item.ItemCode, Warehouse: warehouse, Quantity: 0, ModifiedDate: "" };
    stock.Quantity += sign * Number(payload.Qu);
    stock.ModifiedDate = ctx.stamp();
    ctx.data.stock.set(key, stock);
    // Profit answers 201 without a body for this connector.
    return null;
  },
};
