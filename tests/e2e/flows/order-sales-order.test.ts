import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { afasDebtorByEmail, afasSalesOrderFor } from "./afas-records.ts";
import { amsterdamDate, companyOrder, personOrder, placeOrder } from "./orders.ts";
import { startWorld, type FlowWorld } from "./world.ts";

describe("aspos-order-to-afas → FbSales, with customer-to-afas-debtor, through the runner and both simulators", () => {
  let world: FlowWorld;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.close());

  it("a new company's paid web order: organisation debtor, then a sales order with discount and shipping lines; order.paid is skipped", async () => {
    const order = await placeOrder(world, companyOrder("so1"));
    await world.settle();

    const runs = await world.runs("aspos-order-to-afas", order.number);
    expect(runs.map((r) => r.status)).toEqual(["done", "skipped"]);
    const debtor = afasDebtorByEmail(world, "inkoop-so1@brouwerijdehoop.nl");
    expect(debtor).toEqual({
      DbId: expect.stringMatching(/^\d+$/), BcCo: expect.stringMatching(/^\d+$/), DebtorType: "O",
      Name: "Brouwerij De Hoop B.V.", FirstName: null, Prefix: null, LastName: null, Email: "inkoop-so1@brouwerijdehoop.nl", Phone: "+31 20 555 0101",
      VatNumber: "NL812345678B01", CocNumber: null,
      Street: "Prinsengracht", HouseNumber: 263, HouseNumberAddition: "B", ZipCode: "1016 GV", City: "Amsterdam", CountryId: "NL",
      CurrencyId: "EUR", PaymentCondition: "30", CollectiveAccount: "1300", VatDuty: "1", RevenueAccount: "8000", Profile: null, Gender: null,
      Blocked: false, SearchName: null, CreditLimit: null, Iban: null, AutoPayment: false,
      CreateDate: expect.any(String), ModifiedDate: expect.any(String),
    });

    const salesOrder = afasSalesOrderFor(world, order.number);
    expect(salesOrder).toMatchObject({
      ExternalNumber: order.number, DebtorId: debtor.DbId, OrderDate: `${amsterdamDate(order.createdAt)}T00:00:00.000`,
      Warehouse: "01", CurrencyId: "EUR", Status: "Open", DeliveryState: 0, InvoiceState: 0,
    });
    const { FbSalesLines: _lines, ...header } = salesOrder.fields;
    expect(header).toEqual({
      OrNu: salesOrder.OrderNumber, DbId: debtor.DbId, OrDa: amsterdamDate(order.createdAt), Unit: 1, War: "01", CuId: "EUR",
      RfCs: order.number, PaCd: "30", PaTp: "IDL", VaDu: "1", TrPt: "PNL", Re: "Graag voor 12:00 leveren", InVa: false,
    });
    expect(salesOrder.lines.map(({ LineGuid: _g, ModifiedDate: _m, ...line }) => line)).toEqual([
      // 1.21 incl. 21 % VAT off the line is 1.00 excl.
      { SeqNo: 1, ItemType: "2", ItemCode: "601826", Description: "Filou Blond 33 cl", Unit: "STK", Quantity: 6, QuantityDelivered: 0,
        UnitPrice: 2.0579, DiscountPercentage: null, DiscountAmount: 1, Warehouse: "01" },
      { SeqNo: 2, ItemType: "2", ItemCode: "200114", Description: "Stroopwafels 8 st", Unit: "STK", Quantity: 2, QuantityDelivered: 0,
        UnitPrice: 3.0183, DiscountPercentage: null, DiscountAmount: null, Warehouse: "01" },
      { SeqNo: 3, ItemType: "6", ItemCode: "VERZEND", Description: "Verzendkosten PostNL", Unit: "*****", Quantity: 1, QuantityDelivered: 0,
        UnitPrice: 4.09, DiscountPercentage: null, DiscountAmount: null, Warehouse: "01" },
    ]);
  });

  it("a Belgian person's order: person debtor with the street line split, country B, VAT duty 4; the order lands on it", async () => {
    const order = await placeOrder(world, personOrder("so2"));
    await world.settle();

    expect((await world.runs("aspos-order-to-afas", order.number)).map((r) => r.status)).toEqual(["done", "skipped"]);
    const debtor = afasDebtorByEmail(world, "lotte-so2@example.be");
    expect(debtor).toEqual({
      DbId: expect.stringMatching(/^\d+$/), BcCo: expect.stringMatching(/^\d+$/), DebtorType: "P",
      Name: "Lotte Peeters", FirstName: "Lotte", Prefix: null, LastName: "Peeters", Email: "lotte-so2@example.be", Phone: "+32 3 555 01 01", VatNumber: null, CocNumber: null,
      Street: "Kerkstraat", HouseNumber: 5, HouseNumberAddition: "bus 2", ZipCode: "2000", City: "Antwerpen", CountryId: "B",
      CurrencyId: "EUR", PaymentCondition: "14", CollectiveAccount: "1300", VatDuty: "4", RevenueAccount: "8010", Profile: null, Gender: "V",
      Blocked: false, SearchName: null, CreditLimit: null, Iban: null, AutoPayment: false,
      CreateDate: expect.any(String), ModifiedDate: expect.any(String),
    });
    const salesOrder = afasSalesOrderFor(world, order.number);
    expect(salesOrder.fields).toMatchObject({ DbId: debtor.DbId, RfCs: order.number, PaCd: "14", PaTp: "PIN", VaDu: "4", TrPt: "AFH" });
    // Pickup costs nothing: no shipping line.
    expect(salesOrder.lines.map((l) => [l.ItemType, l.ItemCode, l.Quantity, l.UnitPrice])).toEqual([["2", "601830", 1, 5.7769]]);
  });

  it("an order of a known customer finds the debtor by e-mail, updates what differs, and places the order on it", async () => {
    const writesBefore = world.sims.afas.state.data.writes.length;
    const order = await placeOrder(world, {
      channel: "Web", storeId: 31, customerId: 10234,
      lines: [{ sku: "601826", quantity: 24, unitPriceExclTax: 1.95 }],
      payment: { methodId: 4, status: "Unpaid", termCode: "30D" },
    });
    await world.settle();

    expect((await world.runs("aspos-order-to-afas", order.number)).map((r) => r.status)).toEqual(["done"]);
    const debtor = world.sims.afas.state.data.debtors.get("20045")!;
    const salesOrder = afasSalesOrderFor(world, order.number);
    expect(salesOrder.DebtorId).toBe("20045");
    expect(salesOrder.fields).toMatchObject({ PaCd: "30", PaTp: "REK", VaDu: "1" });
    expect(salesOrder.lines.map((l) => [l.ItemCode, l.Quantity, l.UnitPrice])).toEqual([["601826", 24, 1.95]]);
    // The seeded debtor differs from the AsPos customer (street, phone): updated, then used.
    const written = world.sims.afas.state.data.writes.slice(writesBefore).map((w) => `${w.connector} ${w.op}`);
    expect(written).toEqual(["KnSalesRelationOrg update", "FbSales insert"]);
    expect(debtor).toMatchObject({ Name: "Bakkerij De Kroon B.V.", Phone: "+31 30 123 4567", Street: "Lange Elisabethstraat", HouseNumber: 12, HouseNumberAddition: "A", ZipCode: "3511 BL", City: "Utrecht" });
  });

  it("an order with SKUs AFAS does not know fails naming them, and nothing reaches AFAS", async () => {
    const writesBefore = world.sims.afas.state.data.writes.length;
    const debtorsBefore = world.sims.afas.state.data.debtors.size;
    const order = await placeOrder(world, {
      ...companyOrder("so4"),
      lines: [{ sku: "601826", quantity: 1, unitPriceInclTax: 2.49 }, { sku: "300210", quantity: 1, unitPriceInclTax: 14.95 }, { sku: "201016", quantity: 2, unitPriceInclTax: 19.98 }],
      payment: { methodId: 2, status: "Unpaid" },
    });
    await world.settle();

    const runs = await world.runs("aspos-order-to-afas", order.number);
    expect(runs.map((r) => r.status)).toEqual(["failed"]);
    expect(runs[0]!.error?.message).toContain("SKUs not in AFAS: 300210, 201016");
    expect(world.sims.afas.state.data.writes.length).toBe(writesBefore);
    expect(world.sims.afas.state.data.debtors.size).toBe(debtorsBefore);
    expect([...world.sims.afas.state.data.salesOrders.values()].some((o) => o.ExternalNumber === order.number)).toBe(false);
  });

  it("aspos-order-status-to-afas: cancelling the web order in AsPos deletes its undelivered AFAS sales order", async () => {
    const order = await placeOrder(world, personOrder("so5"));
    await world.settle();
    const salesOrder = afasSalesOrderFor(world, order.number);
    const others = [...world.sims.afas.state.data.salesOrders.keys()].filter((n) => n !== salesOrder.OrderNumber);

    await world.aspos.patch(`/api/orders/${order.id}/status`, { status: "Cancelled", comment: "Klant annuleert" });
    await world.settle();

    expect((await world.runs("aspos-order-status-to-afas", order.number)).map((r) => r.status)).toEqual(["done"]);
    expect(world.sims.afas.state.data.salesOrders.has(salesOrder.OrderNumber)).toBe(false);
    expect([...world.sims.afas.state.data.salesOrders.keys()]).toEqual(others);
    expect(world.sims.afas.state.data.writes.at(-1)).toMatchObject({ connector: "FbSales", op: "delete" });
  });

  it("a cancellation no webhook brought reaches AFAS through the flow's poll of cancelled orders; other changed orders are passed over", async () => {
    const kept = await placeOrder(world, personOrder("so6"));
    const cancelled = await placeOrder(world, personOrder("so7"));
    await world.settle();
    const salesOrder = afasSalesOrderFor(world, cancelled.number);
    // The first poll (startAt now) only sets where the next one reads from.
    expect(await world.poll("aspos-order-status-to-afas")).toMatchObject({ status: "fired", enqueued: 0 });
    await world.aspos.patch(`/api/orders/${cancelled.id}/status`, { status: "Cancelled", comment: "Klant annuleert" });
    await world.aspos.patch(`/api/orders/${kept.id}/status`, { status: "Processing" });
    // Polled before AsPos delivers its webhooks, as where it sends none.
    expect(await world.poll("aspos-order-status-to-afas")).toMatchObject({ status: "fired", enqueued: 1, passedOver: 1 });
    await world.settle();

    expect(world.sims.afas.state.data.salesOrders.has(salesOrder.OrderNumber)).toBe(false);
    const runs = await world.runs("aspos-order-status-to-afas", cancelled.number);
    // The poll's run deleted it; the late webhook's run found it gone.
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([["schedule", "done"], ["webhook", "skipped"]]);
    expect(await world.runs("aspos-order-status-to-afas", kept.number)).toEqual([]);
  });

  it("an order deleted in AFAS (cancelled there) is not made again by the AsPos order's next event", async () => {
    const order = await placeOrder(world, { ...companyOrder("so-del"), payment: { methodId: 2, status: "Unpaid", termCode: "30D" } });
    await world.settle();
    const first = afasSalesOrderFor(world, order.number);
    await world.afas.send({ connection: "afas", object: "FbSales", op: "delete", idempotencyKey: "so-del", payload: { OrNu: first.OrderNumber } });
    // The customer pays afterwards: order.paid reaches the flow, which finds no sales order for it.
    await world.aspos.patch(`/api/orders/${order.id}/payment`, { status: "Paid" });
    await world.settle();
    expect([...world.sims.afas.state.data.salesOrders.values()].filter((o) => o.ExternalNumber === order.number)).toEqual([]);
    const runs = await world.runs("aspos-order-to-afas", order.number);
    expect(runs.length).toBeGreaterThan(1);
    expect(runs.every((r) => r.status === "done" || r.status === "skipped")).toBe(true);
  });
});
