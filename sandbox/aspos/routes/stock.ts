import { Hono } from "hono";
import { toScaled } from "../decimal.ts";
import { idParam, json, readBody, type SimEnv } from "../http.ts";
import { notFound, Problem, Validation } from "../problem.ts";
import type { SimContext } from "../domain/context.ts";
import { changeStock, STOCK_REASONS, stockInfo, stockKey, stockLevel, type StockReason } from "../domain/stock.ts";
import { BodyReader, compact } from "../domain/values.ts";
import type { Product } from "../types.ts";
import { applyFilters, intEquals, intQuery, pagedList, textEquals } from "./list.ts";

interface MutationError {
  code: string;
  detail: string;
}

/** Stock levels: the verified stock-info read, a paged sync list, absolute set and batched mutations. */
export function stockRoutes(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const productById = (id: number): Product | undefined => ctx.state.products.find((p) => p.id === id);

  app.get("/products/:id/stock-info", (c) => {
    const id = idParam(c, "id");
    if (!productById(id)) throw notFound(`Product ${id}`);
    const storeId = intQuery(c, "storeId");
    const rows = ctx.state.stock.filter((r) => r.productId === id && (storeId === undefined || r.storeId === storeId));
    return json(rows.sort((a, b) => a.storeId - b.storeId).map(stockInfo));
  });

  app.get("/stock", (c) => {
    const rows = applyFilters(c, ctx.state.stock, {
      storeId: intEquals((r) => r.storeId),
      productId: intEquals((r) => r.productId),
      number: textEquals((r) => productById(r.productId)?.number),
    });
    return pagedList(c, rows, stockKey, (r) => stockLevel(r, productById(r.productId)));
  });

  app.put("/products/:productId/stock/:storeId", async (c) => {
    const productId = idParam(c, "productId");
    const storeId = idParam(c, "storeId");
    const v = new Validation();
    const r = new BodyReader(await readBody(c), v);
    const quantity = r.number("physicalStockQuantity", { required: true });
    const reason = r.enumOf("reason", STOCK_REASONS) ?? "Count";
    const reference = r.string("reference", { max: 100 });
    v.throwIfFailed();
    const product = productById(productId);
    if (!product) throw notFound(`Product ${productId}`);
    if (!ctx.state.stores.some((s) => s.id === storeId)) throw new Problem(422, "UnknownStore", "The store does not exist.", `Store ${storeId} does not exist.`);
    const row = changeStock(ctx, { productId, storeId, setPhysical4: toScaled(quantity as number, 4), reason, reference });
    return json(stockLevel(row, product));
  });

  app.post("/stock-mutations", async (c) => {
    const v = new Validation();
    const items = new BodyReader(await readBody(c), v).array("mutations", { required: true, min: 1, max: 100 }) ?? [];
    v.throwIfFailed();
    const results = items.map((m, index) => {
      // Each mutation stands alone: its problems reject it, not the batch.
      const own = new Validation();
      const item = new BodyReader(m.body, own);
      const productId = item.number("productId", { integer: true });
      const number = item.string("number");
      const storeId = item.number("storeId", { integer: true, required: true });
      const type = item.enumOf("type", ["Delta", "Set"] as const, { required: true });
      const quantity = item.number("quantity", { required: true });
      const reason: StockReason = item.enumOf("reason", STOCK_REASONS) ?? (type === "Set" ? "Count" : "Correction");
      const reference = item.string("reference", { max: 100 });
      const product = productId !== undefined ? productById(productId) : ctx.state.products.find((p) => p.number === number);
      let error: MutationError | undefined;
      if (own.failed) error = { code: "ValidationFailed", detail: Object.values(own.errors).flat().join(" ") };
      else if (productId === undefined && number === undefined) error = { code: "ValidationFailed", detail: "Give productId or number." };
      else if (!product) error = { code: "UnknownSku", detail: `Product ${number ?? productId} does not exist.` };
      else if (!ctx.state.stores.some((s) => s.id === storeId)) error = { code: "UnknownStore", detail: `Store ${storeId} does not exist.` };
      if (error || !product) return { index, status: "Rejected", error };
      const q4 = toScaled(quantity as number, 4);
      const row = changeStock(ctx, {
        productId: product.id, storeId: storeId as number, reason, reference,
        ...(type === "Set" ? { setPhysical4: q4 } : { physicalDelta4: q4 }),
      });
      return compact({ index, status: "Applied", stock: stockLevel(row, product) });
    });
    return json({ results });
  });

  return app;
}
