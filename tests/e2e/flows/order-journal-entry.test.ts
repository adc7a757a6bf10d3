import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { afasDebtorByEmail } from "./afas-records.ts";
import { amsterdamDate, companyOrder, placeOrder } from "./orders.ts";
import { startWorld, type FlowWorld } from "./world.ts";

describe("aspos-order-to-afas → FiEntries (settings.orderTarget financialEntry)", () => {
  let world: FlowWorld;
  beforeAll(async () => {
    world = await startWorld({ settings: { orderTarget: "financialEntry", costCenter: "200", costUnit: "WEB" } });
  });
  afterAll(async () => world?.close());

  it("a paid NL web order becomes one balanced journal entry: debtor debit, revenue and VAT per rate, cost centre and unit", async () => {
    const order = await placeOrder(world, companyOrder("fe1"));
    await world.settle();

    // Paid when it was created: order.created posts the entry, order.paid finds it in the ledger (`once`).
    expect((await world.runs("aspos-order-to-afas", order.number)).map((r) => r.status)).toEqual(["done", "done"]);
    const debtor = afasDebtorByEmail(world, "inkoop-fe1@brouwerijdehoop.nl");
    const entries = world.sims.afas.state.data.journalEntries.filter((e) => e.lines.some((l) => l.BpNr === order.number));
    expect(entries).toHaveLength(1);
    const date = amsterdamDate(order.createdAt);
    const posted = { EnDa: date, BpDa: date, BpNr: order.number, EnNo: entries[0]!.EnNo };
    const dims = (credit: number) => [{ DiC1: "200", DiC2: "WEB", AmDe: 0, AmCr: credit }];
    expect(entries[0]).toEqual({
      UnId: 1, JoCo: "70", EnNo: expect.stringMatching(/^\d+$/), InId: order.number,
      Year: Number(date.slice(0, 4)), Peri: Number(date.slice(5, 7)),
      lines: [
        // 25.26 = 15.44 + 6.04 revenue + 3.24 + 0.54 VAT: the AsPos totals, to the cent
        { ...posted, VaAs: "2", AcNr: debtor.DbId, InId: order.number, Ds: `AsPos order ${order.number}`, AmDe: 25.26, AmCr: 0, PaCd: "30" },
        // 21 %: both beers (11.35 after the line discount) and shipping (4.09); 9 %: the stroopwafels
        { ...posted, VaAs: "1", AcNr: "8000", AmDe: 0, AmCr: 15.44, VaId: "1", FiDimEntries: dims(15.44) },
        { ...posted, VaAs: "1", AcNr: "8000", AmDe: 0, AmCr: 6.04, VaId: "2", FiDimEntries: dims(6.04) },
        { ...posted, VaAs: "1", AcNr: "1510", AmDe: 0, AmCr: 3.24, VaId: "1" },
        { ...posted, VaAs: "1", AcNr: "1511", AmDe: 0, AmCr: 0.54, VaId: "2" },
      ],
    });
    expect(order.totals.totalInclTax).toBe(25.26);
    expect(world.sims.afas.state.data.salesOrders.size).toBe(3);
  });

  it("books in the fiscal period AFAS holds the date in, read through Profit_periods_per_administration: one named after the next year, as four-week years by ISO weeks are", async () => {
    const today = amsterdamDate(new Date().toISOString());
    const year = Number(today.slice(0, 4));
    const day = (offset: number) => `${new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10)}T00:00:00`;
    world.sims.afas.control.setPeriods([
      { Unit: 1, Year: year + 1, Period: 1, PeriodDesc: "week 1-4", DateFrom: day(-3), DateTo: day(24), Blocked: false, Periodtable: "4W", TableDesc: "Vier weken" },
    ]);
    const order = await placeOrder(world, companyOrder("fe2"));
    await world.settle();
    const entries = world.sims.afas.state.data.journalEntries.filter((e) => e.lines.some((l) => l.BpNr === order.number));
    expect(entries.map((e) => [e.Year, e.Peri])).toEqual([[year + 1, 1]]);
  });
});
