import { Hono } from "hono";
import { idParam, json, readBody, type SimEnv } from "../http.ts";
import { notFound } from "../problem.ts";
import type { SimContext } from "../domain/context.ts";
import { changePayment, changeStatus, createWebOrder } from "../domain/orders.ts";
import { applyFilters, intEquals, pagedList, textEquals } from "./list.ts";

/** Web orders and till receipts share one resource; receipts are read-only. */
export function orderRoutes(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get("/orders", (c) => {
    const rows = applyFilters(c, ctx.state.orders, {
      status: textEquals((o) => o.status),
      channel: textEquals((o) => o.channel),
      storeId: intEquals((o) => o.storeId),
      customerId: intEquals((o) => o.customerId),
      number: textEquals((o) => o.number),
      externalNumber: (o, v) => o.externalNumber === v,
    });
    return pagedList(c, rows, (o) => o.id);
  });

  app.get("/orders/:id", (c) => {
    const id = idParam(c, "id");
    const order = ctx.state.orders.find((o) => o.id === id);
    if (!order) throw notFound(`Order ${id}`);
    return json(order);
  });

  app.post("/orders", async (c) => {
    const order = createWebOrder(ctx, await readBody(c));
    return json(order, 201, { Location: `/api/orders/${order.id}` });
  });

  app.patch("/orders/:id/status", async (c) => json(changeStatus(ctx, idParam(c, "id"), await readBody(c))));
  app.patch("/orders/:id/payment", async (c) => json(changePayment(ctx, idParam(c, "id"), await readBody(c))));

  return app;
}
