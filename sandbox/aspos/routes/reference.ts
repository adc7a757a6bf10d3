import { Hono } from "hono";
import { idParam, json, type SimEnv } from "../http.ts";
import { notFound } from "../problem.ts";
import type { SimContext } from "../domain/context.ts";
import { pagedList } from "./list.ts";

/** Unpaged lookup lists (B.8), plus the paged prices of one price list. */
export function referenceRoutes(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const ref = () => ctx.state.reference;

  app.get("/shipment-types", () => json(ref().shipmentTypes));
  app.get("/payment-methods", () => json(ref().paymentMethods));
  app.get("/payment-terms", () => json(ref().paymentTerms));
  app.get("/tax-rates", () => json(ref().taxRates));
  app.get("/price-lists", () => json(ref().priceLists));
  app.get("/customer-groups", () => json(ref().customerGroups));
  app.get("/custom-fields", (c) => {
    const entity = c.req.query("entity")?.toLowerCase();
    const defs = ref().customFields.filter((d) => entity === undefined || d.entity.toLowerCase() === entity);
    return json(defs.map(({ entity: _e, ...def }) => def));
  });
  app.get("/price-lists/:id/prices", (c) => {
    const id = idParam(c, "id");
    if (!ref().priceLists.some((p) => p.id === id)) throw notFound(`Price list ${id}`);
    const rows = ref().priceListPrices.filter((p) => p.priceListId === id);
    // Several prices per product (quantity tiers) share a product id; the tier keeps keys unique.
    return pagedList(c, rows, (p) => p.productId * 10_000 + Math.min(9_999, p.minQuantity), ({ priceListId: _l, ...p }) => p);
  });

  return app;
}
