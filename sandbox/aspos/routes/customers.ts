import { Hono } from "hono";
import { idParam, json, readBody, type SimEnv } from "../http.ts";
import { notFound } from "../problem.ts";
import type { SimContext } from "../domain/context.ts";
import { createCustomer, patchCustomer } from "../domain/customers.ts";
import { applyFilters, pagedList, textEquals } from "./list.ts";

export function customerRoutes(ctx: SimContext): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get("/customers", (c) => {
    const rows = applyFilters(c, ctx.state.customers, {
      email: textEquals((r) => r.email),
      number: textEquals((r) => r.number),
    });
    return pagedList(c, rows, (r) => r.id);
  });

  app.get("/customers/:id", (c) => {
    const id = idParam(c, "id");
    const customer = ctx.state.customers.find((r) => r.id === id);
    if (!customer) throw notFound(`Customer ${id}`);
    return json(customer);
  });

  app.post("/customers", async (c) => {
    const customer = createCustomer(ctx, await readBody(c));
    return json(customer, 201, { Location: `/api/customers/${customer.id}` });
  });

  app.patch("/customers/:id", async (c) => {
    const id = idParam(c, "id");
    return json(patchCustomer(ctx, id, await readBody(c)));
  });

  return app;
}
