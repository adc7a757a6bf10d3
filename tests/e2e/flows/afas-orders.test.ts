import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AsposOrder } from "./orders.ts";
import { startWorld, type FlowWorld } from "./world.ts";

describe("AFAS sales order → AsPos: afas-order-status-to-aspos (Profit webhook and poll), creating through afas-order-to-aspos", () => {
  let world: FlowWorld;
  beforeAll(async () => {
    // Several workers: one AFAS order event reaches one flow, so nothing depends on which job runs first.
    world = await startWorld({ concurrency: 8 });
  });
  afterAll(async () => world?.close());

  const asposOrderFor = async (afasNumber: string) => {
    const found = await world.aspos.get<AsposOrder[]>(`/api/orders?externalNumber=${encodeURIComponent(afasNumber)}`);
    expect(found, `AsPos orders for AFAS ${afasNumber}`).toHaveLength(1);
    return found[0]!;
  };
  // Someone in Profit delivers or invoices the order (the simulator's control lever for order state).
  const moveInAfas = (orderNumber: string, fields: { Status: string; DeliveryState?: number; InvoiceState?: number }) =>
    expect(world.sims.afas.control.updateSalesOrder(orderNumber, fields)).toBe(true);

  it("an order entered in AFAS reaches AsPos as a web order on a new customer; delivery and invoicing walk its status to Completed", async () => {
    const inserted = await world.afas.send({
      connection: "afas", object: "FbSales", op: "insert", idempotencyKey: "e2e-afas-order",
      payload: {
        DbId: "20048", OrDa: "2025-03-04", Unit: 1, War: "01", CuId: "EUR",
        FbSalesLines: [
          { VaIt: "2", ItCd: "601830", BiUn: "STK", QuUn: 12, Upri: 2.1488, PRDc: 10 },
          { VaIt: "6", ItCd: "VERZEND", BiUn: "*****", QuUn: 1, Upri: 4.09 },
        ],
      },
    });
    const orderNumber = String(inserted.result.OrNu);
    await world.afasWebhook({ OrderNumber: orderNumber, WorkflowName: "Order naar kassa" });
    await world.settle();

    expect((await world.runs("afas-order-status-to-aspos", orderNumber)).map((r) => r.status)).toEqual(["done"]);
    expect(await world.runs("afas-order-to-aspos", orderNumber)).toEqual([]);
    const customers = world.sims.aspos.state.customers.filter((c) => c.email === "jan.vandenberg@example.nl");
    expect(customers).toHaveLength(1);
    const customer = customers[0]!;
    expect(customer).toEqual({
      id: expect.any(Number), number: expect.stringMatching(/^C\d{6}$/), state: "Active", type: "Person",
      email: "jan.vandenberg@example.nl", firstName: "Jan", middleName: "van den", lastName: "Berg", gender: "Unknown", priceListId: 1,
      billingAddress: { street: "Dorpsstraat", houseNumber: "48", postalCode: "3511 AA", city: "Leusden", countryCode: "NL" },
      customFields: { afasDebtorId: "20048", koppelSync: "afas:2025-03-01T08:05:00Z" },
      createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    const order = await asposOrderFor(orderNumber);
    expect(order).toMatchObject({
      externalNumber: orderNumber, source: "AFAS", channel: "Web", storeId: 31, status: "Processing", customerId: customer.id,
      billingAddress: customer.billingAddress,
      shipping: { shipmentTypeId: 1, shipmentTypeCode: "POSTNL", costInclTax: 4.95, costExclTax: 4.09, taxRate: 21 },
      payment: { status: "Unpaid", termCode: "14D" },
    });
    // AFAS's net line amount (12 × 2.1488 less 10 %, 23.21) is AsPos's line total too, priced incl.
    // VAT (28.08 / 12 = 2.34); the shipping cost item became AsPos shipping, not a line.
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPriceInclTax, l.lineTotalExclTax, l.taxRate, l.description])).toEqual([["601830", 12, 2.34, 23.21, 21, "Duvel 33 cl"]]);
    // AsPos's order.created and customer.created came back: neither wrote to AFAS.
    expect((await world.runs("aspos-order-to-afas", order.number)).map((r) => r.status)).toEqual(["skipped"]);
    expect(world.sims.afas.state.data.writes.map((w) => `${w.connector} ${w.op}`)).toEqual(["FbSales insert"]);
    expect(world.sims.afas.state.data.salesOrders.size).toBe(4);

    moveInAfas(orderNumber, { Status: "Delivered", DeliveryState: 2 });
    const statusRuns = async () => (await world.runs("afas-order-status-to-aspos", orderNumber)).map((r) => r.status);
    await world.pollUntil("afas-order-status-to-aspos", async () => (await statusRuns()).filter((s) => s === "done").length === 2);
    expect((await asposOrderFor(orderNumber)).status).toBe("Shipped");

    moveInAfas(orderNumber, { Status: "Invoiced", InvoiceState: 2 });
    await world.pollUntil("afas-order-status-to-aspos", async () => (await statusRuns()).filter((s) => s === "done").length === 3);
    const completed = await asposOrderFor(orderNumber);
    expect({ ...completed, status: "Processing", updatedAt: order.updatedAt }).toEqual(order);
    expect(completed.status).toBe("Completed");
    // AsPos announced Completed; no AFAS connector completes a sales order, so nothing went back.
    expect((await world.runs("aspos-order-status-to-afas", order.number)).map((r) => r.status)).toEqual(["skipped"]);
    expect(world.sims.afas.state.data.writes).toHaveLength(1);
  }, 60_000);
});
