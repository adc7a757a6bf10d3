import { Hono } from "hono";
import { idParam, json, readBody, type SimEnv } from "../http.ts";
import { notFound, Validation } from "../problem.ts";
import { formatInstant } from "../time.ts";
import type { SimContext } from "../domain/context.ts";
import { BodyReader } from "../domain/values.ts";
import { newSecret } from "../webhooks/sign.ts";
import { EVENT_TYPES, type Subscription, type WebhookSender } from "../webhooks/sender.ts";

function publicView({ secret: _secret, ...sub }: Subscription): Omit<Subscription, "secret"> {
  return sub;
}

export function addSubscription(ctx: SimContext, url: string, events: string[], secret?: string): Subscription {
  ctx.state.seq.subscription += 1;
  const sub: Subscription = { id: ctx.state.seq.subscription, url, events, state: "Active", secret: secret ?? newSecret(), createdAt: formatInstant(ctx.now()) };
  ctx.state.subscriptions.push(sub);
  return sub;
}

/** Subscriptions (B.9). The secret is shown once, in the POST answer. */
export function webhookRoutes(ctx: SimContext, sender: WebhookSender): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.get("/webhooks", () => json(ctx.state.subscriptions.map(publicView)));

  app.post("/webhooks", async (c) => {
    const v = new Validation();
    const r = new BodyReader(await readBody(c), v);
    const url = r.string("url", { required: true, max: 2000 });
    if (url !== undefined && !/^https?:\/\//.test(url)) r.bad("url", "must be an http(s) URL");
    const events = (r.body.events ?? []) as unknown;
    if (!Array.isArray(events) || events.length === 0) v.add("events", "Give at least one event type.");
    else events.forEach((e, i) => {
      if (!(EVENT_TYPES as readonly unknown[]).includes(e)) v.add(`events[${i}]`, `Unknown event type '${String(e)}'.`);
    });
    v.throwIfFailed();
    const sub = addSubscription(ctx, url as string, events as string[]);
    return json(sub, 201, { Location: `/api/webhooks/${sub.id}` });
  });

  app.delete("/webhooks/:id", (c) => {
    const id = idParam(c, "id");
    const before = ctx.state.subscriptions.length;
    ctx.state.subscriptions = ctx.state.subscriptions.filter((s) => s.id !== id);
    if (ctx.state.subscriptions.length === before) throw notFound(`Webhook ${id}`);
    return new Response(null, { status: 204 });
  });

  app.post("/webhooks/:id/test", (c) => {
    const id = idParam(c, "id");
    if (!ctx.state.subscriptions.some((s) => s.id === id)) throw notFound(`Webhook ${id}`);
    const eventId = sender.emit("webhook.test", { object: { webhookId: id } }, id);
    return json({ eventId }, 202);
  });

  return app;
}
