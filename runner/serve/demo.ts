import { randomUUID } from "node:crypto";
import type { Connector } from "../connectors/types.ts";
import type { RunningAfasSimulator } from "../../sandbox/afas/index.ts";
import type { RunningAsposSimulator } from "../../sandbox/aspos/index.ts";

export interface DemoWorld {
  readonly afas: RunningAfasSimulator;
  readonly aspos: RunningAsposSimulator;
  /** AsPos's REST API, as the web shop uses it. */
  readonly asposClient: Connector;
  /** AFAS's UpdateConnectors, as someone working in Profit uses them. */
  readonly afasClient: Connector;
  /** Where AFAS's workflow webhooks go, and the password they are signed with. */
  readonly afasWebhook: { readonly url: string; readonly secret: string };
}

const DEMO_CUSTOMERS = [
  { email: "lotte.jansen@example.nl", firstName: "Lotte", lastName: "Jansen", city: "Utrecht", street: "Oudegracht", houseNumber: "158", postalCode: "3511 AZ", countryCode: "NL" },
  { email: "noah.peeters@example.be", firstName: "Noah", lastName: "Peeters", city: "Gent", street: "Veldstraat", houseNumber: "21", postalCode: "9000", countryCode: "BE" },
  { email: "inkoop@bakkerijdekroon.nl", firstName: "Sanne", lastName: "Berg", city: "Utrecht", street: "Lange Elisabethstraat", houseNumber: "12", postalCode: "3511 BL", countryCode: "NL" },
];
/** Articles both simulators know, so demo orders pass the SKU check. */
const DEMO_SKUS = [
  { sku: "601826", unitPriceInclTax: 2.49, taxRate: 21 },
  { sku: "200114", unitPriceInclTax: 3.29, taxRate: 9 },
  { sku: "601830", unitPriceInclTax: 2.79, taxRate: 21 },
];
/** Seeded AFAS person debtors with an e-mail address, edited in "Profit" and used for orders entered there. */
const AFAS_DEBTORS = ["20048", "20049", "20054"];

/**
 * What happens in a shop and an ERP over a few minutes, one thing per tick, so every shipped flow
 * runs in `npm start`: web orders (and one that AFAS rejects), a till sale, customer edits in AsPos,
 * a cancelled web order, debtor edits and an order entered in AFAS, that order delivered, a stock
 * count in AFAS. Each action returns what it did, for the log.
 */
export function createDemo(world: DemoWorld): { next(): Promise<string> } {
  const { afas, aspos, asposClient, afasClient } = world;
  let n = 0;
  let lastWebOrder: { id: number; number: string } | undefined;
  let lastAfasOrder: string | undefined;

  const afasWebhook = (data: Record<string, unknown>) => afas.control.sendWebhook({ ...world.afasWebhook, eventType: "workflow.action.executed", data });

  async function webOrder(skus = DEMO_SKUS.slice(0, 1 + (n % DEMO_SKUS.length))): Promise<{ id: number; number: string }> {
    const customer = DEMO_CUSTOMERS[n % DEMO_CUSTOMERS.length]!;
    const { email, firstName, lastName, ...address } = customer;
    const sent = await asposClient.send({
      connection: "aspos", object: "orders", op: "insert", idempotencyKey: `sandbox-demo-${Date.now()}-${n}`,
      payload: {
        externalNumber: `DEMO-${Date.now()}-${n}`, source: "Webshop", channel: "Web", storeId: 31,
        customer: { email, firstName, lastName }, billingAddress: address,
        lines: skus.map((l, i) => ({ ...l, quantity: 1 + ((n + i) % 4) })),
      },
    });
    return { id: Number(sent.result.id), number: String(sent.result.number) };
  }

  const actions: (() => Promise<string>)[] = [
    async () => {
      lastWebOrder = await webOrder();
      return `web order ${lastWebOrder.number} placed in AsPos`;
    },
    async () => {
      const receipt = aspos.control.addReceipt({ storeId: 9, lines: [{ sku: DEMO_SKUS[n % DEMO_SKUS.length]!.sku, quantity: 1 }] });
      return `till sale ${receipt.number} in AsPos store 9`;
    },
    async () => {
      const customer = aspos.state.customers.find((c) => c.email && c.state === "Active");
      if (!customer) return "no AsPos customer to edit";
      await asposClient.send({ connection: "aspos", object: "customers", op: "update", idempotencyKey: `sandbox-demo-customer-${n}`, payload: { id: customer.id, phoneNumber: `+31 30 ${String(1_000_000 + n).slice(-7)}` } });
      return `AsPos customer ${customer.id} got a new phone number`;
    },
    async () => {
      const debtor = afas.state.data.debtors.get(AFAS_DEBTORS[n % AFAS_DEBTORS.length]!)!;
      debtor.Phone = `+31 6 ${String(10_000_000 + n).slice(-8)}`;
      debtor.ModifiedDate = afas.state.stamp();
      // As Profit sends it: a workflow action names no record, so the flows that ask for it poll.
      await afasWebhook({ WorkflowName: randomUUID(), ActionName: randomUUID() });
      return `AFAS debtor ${debtor.DbId} got a new phone number (its workflow webhook starts a poll)`;
    },
    async () => {
      const inserted = await afasClient.send({
        connection: "afas", object: "FbSales", op: "insert", idempotencyKey: `sandbox-demo-afas-order-${n}`,
        payload: {
          DbId: AFAS_DEBTORS[n % AFAS_DEBTORS.length], OrDa: new Date().toISOString().slice(0, 10), Unit: 1, War: "01", CuId: "EUR",
          FbSalesLines: [{ VaIt: "2", ItCd: "601830", BiUn: "STK", QuUn: 6, Upri: 2.1488 }],
        },
      });
      lastAfasOrder = String(inserted.result.OrNu);
      await afasWebhook({ OrderNumber: lastAfasOrder });
      return `sales order ${lastAfasOrder} entered in AFAS`;
    },
    async () => {
      if (!lastWebOrder) return "no web order to cancel yet";
      const order = lastWebOrder;
      lastWebOrder = undefined;
      await asposClient.send({ connection: "aspos", object: "orderStatus", op: "update", idempotencyKey: `sandbox-demo-cancel-${n}`, payload: { id: order.id, status: "Cancelled" } });
      return `web order ${order.number} cancelled in AsPos`;
    },
    async () => {
      if (!lastAfasOrder || !afas.control.updateSalesOrder(lastAfasOrder, { Status: "Delivered", DeliveryState: 2 })) return "no AFAS order to deliver yet";
      await afasWebhook({ OrderNumber: lastAfasOrder });
      return `AFAS sales order ${lastAfasOrder} delivered`;
    },
    async () => {
      const stock = [...afas.state.data.stock.values()][n % afas.state.data.stock.size]!;
      stock.Quantity += 12;
      stock.ModifiedDate = afas.state.stamp();
      return `stock count in AFAS: ${stock.ItemCode} in warehouse ${stock.Warehouse} is ${stock.Quantity} (the next poll takes it)`;
    },
    async () => {
      // Profit refuses now and then (a closed period, a blocked debtor): the run fails with AFAS's words.
      afas.control.injectFault({ validationError: { requests: 1, connector: "FbSales", message: "The order date falls in a period that is closed for entries." } });
      const order = await webOrder([DEMO_SKUS[0]!]);
      return `web order ${order.number} placed in AsPos (AFAS will refuse it: closed period)`;
    },
  ];

  return {
    async next() {
      const action = actions[n % actions.length]!;
      try {
        return await action();
      } finally {
        n += 1;
      }
    },
  };
}
