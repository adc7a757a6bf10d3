import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stockKey } from "../../../sandbox/afas/model.ts";
import { amsterdamDate } from "./orders.ts";
import { startWorld, type FlowWorld } from "./world.ts";

interface StockLevel { productId: number; number: string; storeId: number; physicalStockQuantity: number }

describe("stock both ways: afas-stock-to-aspos (poll) and aspos-stock-to-afas (till sale webhook)", () => {
  let world: FlowWorld;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.close());

  const afasStock = (item: string, warehouse: string) => world.sims.afas.state.data.stock.get(stockKey(item, warehouse))?.Quantity;
  const asposStock = async (sku: string, storeId: number) => {
    const rows = await world.aspos.get<StockLevel[]>(`/api/stock?number=${sku}&storeId=${storeId}`);
    expect(rows).toHaveLength(1);
    return rows[0]!.physicalStockQuantity;
  };

  it("a till sale in store 9 books the sold quantity out of AFAS warehouse 02", async () => {
    const before = afasStock("601826", "02")!;
    const receipt = world.sims.aspos.control.addReceipt({ storeId: 9, lines: [{ sku: "601826", quantity: 2 }] });
    await world.settle();

    const runs = await world.runs("aspos-stock-to-afas");
    expect(runs.map((r) => r.status)).toEqual(["done"]);
    expect(afasStock("601826", "02")).toBe(before - 2);
    const mutations = world.sims.afas.state.data.writes.filter((w) => w.connector === "FbStockMutation");
    expect(mutations.map((w) => w.payload)).toEqual([{
      VaOt: "42", ReId: "1", VaIt: "2", ItCd: "601826", War: "02", Loc: "*****", BiUn: "STK", QuUn: 2, Qu: 2,
      Da: amsterdamDate(receipt.createdAt), Ds: `AsPos Sale store 9 ${receipt.number}`,
    }]);
    // The receipt's order events reach the order flow too: it posts the receipt's revenue once, as a
    // journal entry with the PIN takings on their clearing account, and books no goods out again.
    expect((await world.runs("aspos-order-to-afas", receipt.number)).map((r) => r.status)).toEqual(["done", "done"]);
    expect([...world.sims.afas.state.data.salesOrders.values()].some((o) => o.ExternalNumber === receipt.number)).toBe(false);
    const entries = world.sims.afas.state.data.journalEntries.filter((e) => e.lines.some((l) => l.BpNr === receipt.number));
    expect(entries).toHaveLength(1);
    const sides = entries[0]!.lines.map((l) => [l.VaAs, l.AcNr, l.AmDe, l.AmCr]);
    // 2 × 2.49 = 4.98 incl. 21 % VAT: 4.12 revenue and 0.86 VAT.
    expect(sides).toEqual([["1", "1100", 4.98, 0], ["1", "8000", 0, 4.12], ["1", "1510", 0, 0.86]]);
    expect(receipt.totals.totalInclTax).toBe(4.98);
    expect(afasStock("601826", "02")).toBe(before - 2);
  });

  it("AFAS warehouse stock polled into AsPos as absolute store stock; a later AFAS mutation moves only that row", async () => {
    // Every AFAS row of an item AsPos sells, in a warehouse linked to a store (01 → 31, 02 → 9); the
    // row the till sale just changed comes through once it is out of the poll's lag window.
    const synced = async () => (await world.runs("afas-stock-to-aspos")).filter((r) => r.status === "done").map((r) => r.searchText).sort();
    await world.pollUntil("afas-stock-to-aspos", async () => (await synced()).length === 6);
    expect(await synced()).toEqual(["200114@01", "200115@01", "601826@01", "601826@02", "601830@01", "601830@02"]);
    expect((await world.runs("afas-stock-to-aspos")).length).toBe(world.sims.afas.state.data.stock.size);
    expect({
      "601826@31": await asposStock("601826", 31), "601826@9": await asposStock("601826", 9),
      "601830@31": await asposStock("601830", 31), "601830@9": await asposStock("601830", 9),
      "200114@31": await asposStock("200114", 31), "200115@31": await asposStock("200115", 31),
    }).toEqual({
      "601826@31": afasStock("601826", "01"), "601826@9": afasStock("601826", "02"),
      "601830@31": afasStock("601830", "01"), "601830@9": afasStock("601830", "02"),
      "200114@31": afasStock("200114", "01"), "200115@31": afasStock("200115", "01"),
    });
    expect(await asposStock("601826", 9)).toBe(-2);

    // A goods receipt booked in AFAS (FbStockMutation in, through Profit's REST API).
    await world.afas.send({
      connection: "afas", object: "FbStockMutation", op: "insert", idempotencyKey: "e2e-stock-in",
      payload: { VaOt: "41", ReId: "1", VaIt: "2", ItCd: "601826", War: "01", Loc: "*****", BiUn: "STK", QuUn: 5, Qu: 5, Da: "2025-03-03", Ds: "Ontvangst" },
    });
    expect(afasStock("601826", "01")).toBe(25);
    const runsBefore = (await world.runs("afas-stock-to-aspos")).length;
    // The poll leaves out the last seconds (writes may still commit), so poll until the row comes through.
    await world.pollUntil("afas-stock-to-aspos", async () => (await world.runs("afas-stock-to-aspos")).length > runsBefore);
    const later = (await world.runs("afas-stock-to-aspos")).slice(runsBefore);
    expect(later.map((r) => [r.status, r.searchText])).toEqual([["done", "601826@01"]]);
    expect(await asposStock("601826", 31)).toBe(25);
    // AsPos answers the absolute write with stock.changed (Count), which is not mirrored back to AFAS.
    expect((await world.runs("aspos-stock-to-afas")).length).toBe(1);
    expect(afasStock("601826", "01")).toBe(25);
  }, 60_000);
});
