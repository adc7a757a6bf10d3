import { Hono } from "hono";
import { bearerAuth } from "./auth.ts";
import { createWebhookRoutes, type WebhookRouteDeps } from "./webhooks.ts";

export interface ApiDeps {
  readonly webhooks: WebhookRouteDeps;
  /** Required for /api/*; `koppel serve` refuses to start outside sandbox mode without one. */
  readonly adminToken: string;
  /** Active version, last reload with its errors, queue depth, per-flow counts, replicas. */
  status(): Promise<unknown>;
  /** Ready to accept webhooks: the store answers and a mapping version is active. */
  ready(): Promise<boolean>;
  /** Check the mapping source now (a CI hook after a merge). */
  reload(): Promise<unknown>;
  /** Queue a finished run again; `current` runs it on the active version instead of the one it ran. */
  replay(runId: string, current: boolean): Promise<{ status: number; body: unknown }>;
}

/** The runner's HTTP surface: webhooks (open, signed), health probes (open), and the admin API. */
export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.route("/", createWebhookRoutes(deps.webhooks));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => ((await deps.ready()) ? c.json({ ready: true }) : c.json({ ready: false }, 503)));

  const api = new Hono();
  api.use("*", bearerAuth(deps.adminToken));
  api.get("/status", async (c) => c.json((await deps.status()) as object));
  api.post("/reload", async (c) => c.json((await deps.reload()) as object));
  api.post("/runs/:id/replay", async (c) => {
    const current = c.req.query("current") === "true" || c.req.query("current") === "1";
    const { status, body } = await deps.replay(c.req.param("id"), current);
    return c.json(body as object, status as 200);
  });
  app.route("/api", api);
  return app;
}
