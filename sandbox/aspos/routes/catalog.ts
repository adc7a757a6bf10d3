import { Hono } from "hono";
import { lineAmounts } from "../amounts.ts";
import { idParam, json, type SimEnv } from "../http.ts";
import { invalidQuery, notFound } from "../problem.ts";
import type { SimContext } from "../domain/context.ts";
import type { Product } from "../types.ts";
import { applyFilters, intQuery, pagedList, textEquals } from "./list.ts";

function webProduct(p: Product, storeId: number, storePrice: number | undefined): Record<string, unknown> {
  if (storePrice === undefined) return { ...p, storeId };
  const { unitPriceExclTax } = lineAmounts({ quantity: 1, taxRate: p.taxRate, unitPriceInclTax: storePrice });
  return { ...p, storeId, priceInclTax: storePrice, priceExclTax: unitPriceExclTax };
}

/** Stores, products and the per-store web catalogue. */
export function catalogRoutes(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get("/stores", (c) => {
    const includeInactive = (c.req.query("includeNonActiveStores") ?? "true").toLowerCase() !== "false";
    return json(ctx.state.stores.filter((s) => includeInactive || s.status === "Active"));
  });

  app.get("/stores/:id", (c) => {
    const id = idParam(c, "id");
    const store = ctx.state.stores.find((s) => s.id === id);
    if (!store) throw notFound(`Store ${id}`);
    return json(store);
  });

  app.get("/products", (c) => {
    const rows = applyFilters(c, ctx.state.products, {
      number: textEquals((p) => p.number),
      sku: textEquals((p) => p.number),
      barcode: (p, v) => p.barcode === v || (p.barcodes ?? []).includes(v),
      state: textEquals((p) => p.state),
    });
    return pagedList(c, rows, (p) => p.id);
  });

  app.get("/products/:id", (c) => {
    const id = idParam(c, "id");
    const product = ctx.state.products.find((p) => p.id === id);
    if (!product) throw notFound(`Product ${id}`);
    return json(product);
  });

  app.get("/sync/web-products", (c) => {
    const storeId = intQuery(c, "storeId");
    if (storeId === undefined) throw invalidQuery("storeId is required.");
    if (!ctx.state.stores.some((s) => s.id === storeId)) throw notFound(`Store ${storeId}`);
    const rows = ctx.state.products.filter((p) => p.webEnabled);
    return json(rows.map((p) => webProduct(p, storeId, ctx.state.storePrices[`${p.id}:${storeId}`])));
  });

  return app;
}
