import { Hono } from "hono";
import { json, readBody } from "../http.ts";
import { Validation } from "../problem.ts";
import { BodyReader } from "../domain/values.ts";
import type { SimControl } from "../control.ts";
import { EVENT_TYPES } from "../webhooks/sender.ts";

/** `/_sandbox/*`: the HTTP face of SimControl, for e2e tests and `npm start` demos. No auth. */
export function controlRoutes(control: SimControl): Hono {
  const app = new Hono();

  app.post("/reset", () => {
    control.reset();
    return json({ reset: true });
  });

  app.get("/state", () => json(control.snapshot()));

  app.post("/faults", async (c) => {
    const v = new Validation();
    const r = new BodyReader(await readBody(c), v);
    const kind = r.enumOf("kind", ["status", "latency", "drop"] as const, { required: true });
    const spec = {
      kind: kind ?? "status",
      status: r.number("status", { integer: true }),
      retryAfterSeconds: r.number("retryAfterSeconds", { integer: true }),
      latencyMs: r.number("latencyMs", { integer: true }),
      path: r.string("path"),
      method: r.string("method"),
      times: r.number("times", { integer: true, positive: true }),
    };
    v.throwIfFailed();
    return json({ id: control.injectFault(spec) }, 201);
  });

  app.delete("/faults", () => {
    control.clearFaults();
    return new Response(null, { status: 204 });
  });

  app.post("/token-lifetime", async (c) => {
    const v = new Validation();
    const seconds = new BodyReader(await readBody(c), v).number("seconds", { required: true, integer: true });
    v.throwIfFailed();
    control.setTokenLifetime(seconds as number);
    return json({ seconds });
  });

  app.post("/tokens/expire", () => json({ expired: control.expireTokens() }));

  app.post("/rate-limit", async (c) => {
    const v = new Validation();
    const perMinute = new BodyReader(await readBody(c), v).number("perMinute", { required: true, integer: true, positive: true });
    v.throwIfFailed();
    control.setRateLimit(perMinute as number);
    return json({ perMinute });
  });

  app.post("/webhooks", async (c) => {
    const v = new Validation();
    const r = new BodyReader(await readBody(c), v);
    const url = r.string("url", { required: true });
    const secret = r.string("secret");
    v.throwIfFailed();
    const events = Array.isArray(r.body.events) ? (r.body.events as string[]) : [...EVENT_TYPES];
    return json(control.subscribe(url as string, events, secret), 201);
  });

  app.post("/webhooks/deliver", async () => json(await control.deliverWebhooks(true)));

  app.post("/receipts", async (c) => {
    const body = await readBody(c);
    return json(control.addReceipt(body as never), 201);
  });

  return app;
}
