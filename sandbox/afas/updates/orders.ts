import { randomUUID } from "node:crypto";
import { ProfitError } from "../errors.ts";
import type { InvoiceRecord, OrderLineRecord, OrderRecord, SimData } from "../model.ts";
import { stockKey } from "../model.ts";
import type { DeletePath } from "../envelope.ts";
import type { Payload, UpdateConnectorDef, UpdateContext } from "./types.ts";
import { list, num, str } from "./types.ts";

/** Item types that must name an existing item of the matching kind. */
const ITEM_KIND: Record<string, "2" | "6"> = { "2": "2", "6": "6" };

function checkLine(data: SimData, line: Payload, object: string): void {
  const kind = ITEM_KIND[String(line.VaIt)];
  if (!kind) return;
  const item = data.items.get(String(line.ItCd));
  if (!item || item.Type !== kind) {
    throw new ProfitError(`The entered value for 'Item' (${String(line.ItCd)}) in object '${object}' does not exist.`);
  }
  if (item.Blocked) throw new ProfitError(`Item '${item.ItemCode}' is blocked.`);
}

function toLine(data: SimData, line: Payload, seq: number, header: Payload, stamp: string): OrderLineRecord {
  const item = data.items.get(String(line.ItCd));
  return {
    LineGuid: str(line.GuLi) ?? `{${randomUUID().toUpperCase()}}`,
    SeqNo: seq, ItemType: String(line.VaIt), ItemCode: String(line.ItCd), Description: str(line.Ds),
    Unit: str(line.BiUn) ?? item?.Unit ?? null, Quantity: Number(line.QuUn), QuantityDelivered: 0,
    UnitPrice: num(line.Upri) ?? item?.SalesPrice ?? null, DiscountPercentage: num(line.PRDc),
    DiscountAmount: num(line.ARDc), Warehouse: str(line.War) ?? str(header.War), ModifiedDate: stamp,
  };
}

interface OrderKind<R extends OrderRecord> {
  readonly root: "FbSales" | "FbDirectInvoice";
  readonly lines: "FbSalesLines" | "FbDirectInvoiceLines";
  readonly store: (data: SimData) => Map<string, R>;
  readonly create: (ctx: UpdateContext, base: OrderRecord, payload: Payload) => R;
  readonly result: (record: R) => Payload;
}

function header(ctx: UpdateContext, payload: Payload, orderNumber: string, lines: OrderLineRecord[], status: string): OrderRecord {
  const stamp = ctx.stamp();
  return {
    OrderNumber: orderNumber, ExternalNumber: str(payload.RfCs), DebtorId: String(payload.DbId),
    OrderDate: `${str(payload.OrDa) ?? stamp.slice(0, 10)}T00:00:00.000`, Warehouse: str(payload.War),
    CurrencyId: str(payload.CuId) ?? "EUR", Status: status, DeliveryState: 0, InvoiceState: 0,
    ModifiedDate: stamp, fields: { ...payload, OrNu: orderNumber }, lines,
  };
}

function orderConnector<R extends OrderRecord>(kind: OrderKind<R>): UpdateConnectorDef {
  const linesOf = (payload: Payload): Payload[] => list(payload[kind.lines]);
  return {
    root: kind.root,
    insert(ctx, payload) {
      const debtor = ctx.data.debtors.get(String(payload.DbId));
      if (!debtor) throw new ProfitError(`The entered value for 'Debtor' (${String(payload.DbId)}) does not exist.`);
      if (debtor.Blocked) throw new ProfitError(`Debtor '${debtor.DbId}' is blocked.`);
      const store = kind.store(ctx.data);
      let orNu = str(payload.OrNu);
      if (orNu && store.has(orNu)) throw new ProfitError(`Number '${orNu}' already exists.`);
      orNu ??= `2025-${String(++ctx.data.counters.order).padStart(6, "0")}`;
      const lines = linesOf(payload);
      lines.forEach((l) => checkLine(ctx.data, l, kind.lines));
      const stamp = ctx.stamp();
      const record = kind.create(ctx, header(ctx, payload, orNu, lines.map((l, i) => toLine(ctx.data, l, i + 1, payload, stamp)), "Open"), payload);
      store.set(orNu, record);
      return kind.result(record);
    },
    update(ctx, payload) {
      const orNu = String(payload.OrNu);
      const record = kind.store(ctx.data).get(orNu);
      if (!record) throw new ProfitError(`The entered value for 'Order' (${orNu}) does not exist.`);
      const stamp = ctx.stamp();
      const { [kind.lines]: _lines, ...fields } = payload;
      Object.assign(record.fields, fields);
      if ("RfCs" in payload) record.ExternalNumber = str(payload.RfCs);
      if ("War" in payload) record.Warehouse = str(payload.War);
      for (const line of linesOf(payload)) {
        const guid = str(line.GuLi);
        const existing = guid ? record.lines.find((l) => l.LineGuid === guid) : undefined;
        if (guid && !existing) throw new ProfitError(`Line '${guid}' does not exist in order '${orNu}'.`);
        if (existing) {
          if ("QuUn" in line) existing.Quantity = Number(line.QuUn);
          if ("Upri" in line) existing.UnitPrice = num(line.Upri);
          if ("Ds" in line) existing.Description = str(line.Ds);
          if ("PRDc" in line) existing.DiscountPercentage = num(line.PRDc);
          existing.ModifiedDate = stamp;
        } else {
          checkLine(ctx.data, line, kind.lines);
          record.lines.push(toLine(ctx.data, line, record.lines.length + 1, record.fields, stamp));
        }
      }
      record.ModifiedDate = stamp;
    },
    delete(ctx, path: DeletePath) {
      const orNu = path.keys.OrNu;
      if (path.object !== kind.root || !orNu || path.sub) throw new ProfitError(`Delete ${kind.root} by OrNu only: /${kind.root}/${kind.root}/@OrNu/{number}.`);
      if (!kind.store(ctx.data).delete(orNu)) throw new ProfitError(`The entered value for 'Order' (${orNu}) does not exist.`);
    },
  };
}

/** A direct invoice delivers at once, so its item lines leave the warehouse immediately. */
function bookOut(ctx: UpdateContext, record: OrderRecord): void {
  for (const line of record.lines) {
    if (line.ItemType !== "2") continue;
    const warehouse = line.Warehouse ?? "01";
    const key = stockKey(line.ItemCode, warehouse);
    const stock = ctx.data.stock.get(key) ?? { ItemCode: line.ItemCode, Warehouse: warehouse, Quantity: 0, ModifiedDate: "" };
    stock.Quantity -= line.Quantity;
    stock.ModifiedDate = ctx.stamp();
    ctx.data.stock.set(key, stock);
  }
}

export const FbSales = orderConnector<OrderRecord>({
  root: "FbSales", lines: "FbSalesLines",
  store: (data) => data.salesOrders,
  create: (_ctx, base) => base,
  result: (r) => ({ OrNu: r.OrderNumber }),
});

export const FbDirectInvoice = orderConnector<InvoiceRecord>({
  root: "FbDirectInvoice", lines: "FbDirectInvoiceLines",
  store: (data) => data.directInvoices,
  create: (ctx, base, payload) => {
    bookOut(ctx, base);
    const invoice = str(payload.SinOrNu) ?? `V${String(++ctx.data.counters.invoice).padStart(7, "0")}`;
    return { ...base, Status: "Invoiced", DeliveryState: 2, InvoiceState: 2, InvoiceNumber: invoice };
  },
  // Profit names the second key Liln; what it holds is unverified, the simulator puts the invoice number there.
  result: (r) => ({ OrNu: r.OrderNumber, Liln: r.InvoiceNumber }),
});
