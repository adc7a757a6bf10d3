import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stockKey } from "../../../sandbox/afas/model.ts";
import { afasDebtorByEmail } from "./afas-records.ts";
import { amsterdamDate, companyOrder, placeOrder } from "./orders.ts";
import { startWorld, type FlowWorld } from "./world.ts";

describe("aspos-order-to-afas → FbDirectInvoice (settings.orderTarget directInvoice)", () => {
  let world: FlowWorld;
  beforeAll(async () => {
    world = await startWorld({ settings: { orderTarget: "directInvoice" } });
  });
  afterAll(async () => world?.close());

  it("a paid web order becomes one direct invoice, however many of its events arrive; its item lines leave AFAS warehouse 01", async () => {
    const stock = (item: string) => world.sims.afas.state.data.stock.get(stockKey(item, "01"))!.Quantity;
    const before = { beer: stock("601826"), waffles: stock("200114") };
    const order = await placeOrder(world, companyOrder("di1"));
    await world.settle();

    // Paid when it was created: order.created posts the invoice, order.paid finds it in the ledger (`once`).
    const runs = await world.runs("aspos-order-to-afas", order.number);
    expect(runs.map((r) => r.status)).toEqual(["done", "done"]);
    const debtor = afasDebtorByEmail(world, "inkoop-di1@brouwerijdehoop.nl");
    const invoices = [...world.sims.afas.state.data.directInvoices.values()].filter((i) => i.ExternalNumber === order.number);
    expect(invoices).toHaveLength(1);
    const invoice = invoices[0]!;
    expect(invoice).toMatchObject({
      DebtorId: debtor.DbId, OrderDate: `${amsterdamDate(order.createdAt)}T00:00:00.000`, Warehouse: "01", CurrencyId: "EUR",
      Status: "Invoiced", DeliveryState: 2, InvoiceState: 2, InvoiceNumber: expect.stringMatching(/^V\d{7}$/),
    });
    const { FbDirectInvoiceLines: _lines, ...header } = invoice.fields;
    expect(header).toEqual({
      OrNu: invoice.OrderNumber, DbId: debtor.DbId, OrDa: amsterdamDate(order.createdAt), Unit: 1, War: "01", CuId: "EUR",
      RfCs: order.number, PaCd: "30", PaTp: "IDL", VaDu: "1", Re: "Graag voor 12:00 leveren", InVa: false,
    });
    expect(invoice.lines.map((l) => [l.ItemType, l.ItemCode, l.Unit, l.Quantity, l.UnitPrice, l.DiscountAmount, l.Warehouse, l.Description])).toEqual([
      ["2", "601826", "STK", 6, 2.0579, 1, "01", "Filou Blond 33 cl"],
      ["2", "200114", "STK", 2, 3.0183, null, "01", "Stroopwafels 8 st"],
      ["6", "VERZEND", "*****", 1, 4.09, null, "01", "Verzendkosten PostNL"],
    ]);
    expect({ beer: stock("601826"), waffles: stock("200114") }).toEqual({ beer: before.beer - 6, waffles: before.waffles - 2 });
    expect(world.sims.afas.state.data.salesOrders.size).toBe(3);
  });
});
