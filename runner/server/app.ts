import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { createAttemptLimiter, refuseWhileBlocked } from "./attempts.ts";
import { bearerAuth } from "./auth.ts";
import { errorBody, INTERNAL_BODY } from "./error-body.ts";
import { createDashboard } from "./dashboard/routes.tsx";
import type { DashboardDeps } from "./dashboard/deps.ts";
import type { SessionRevocations } from "../store/types.ts";
import { securityHeaders } from "./security-headers.ts";
import { createSessions } from "./session.ts";
import { createShadowApi, type ShadowDeps } from "./shadow-api.ts";
import { createWebhookRoutes, type WebhookRouteDeps } from "./webhooks.ts";

export interface ApiDeps {
  readonly webhooks: WebhookRouteDeps;
  /** Required for /api/*; `koppel serve` refuses to start outside sandbox mode without one. */
  readonly adminToken: string;
  /** Read-only dashboard and /metrics access (KOPPEL_VIEWER_TOKEN). */
  readonly viewerToken?: string;
  /** Active version, last reload with its errors, queue depth, per-flow counts, replicas. */
  status(): Promise<unknown>;
  /** Ready to accept webhooks: the store answers and a mapping version is active. */
  ready(): Promise<boolean>;
  /** Check the mapping source now (a CI hook after a merge). */
  reload(): Promise<unknown>;
  /** Queue a finished run again; `current` runs it on the active version instead of the one it ran. */
  replay(runId: string, current: boolean): Promise<{ status: number; body: unknown }>;
  /** A retrying run tried again now: 202, or 404/409 with the refusal. */
  retryNow(runId: string): Promise<{ status: number; body: unknown }>;
  /** Shadow runs: /api/shadow and the dashboard's Shadow page; without it neither exists. */
  readonly shadow?: ShadowDeps;
  /** The dashboard's reads; without them the app serves no pages (API-only tests). */
  readonly dashboard?: Omit<DashboardDeps, "sessions" | "replay" | "retryNow" | "reload" | "shadow">;
  /** Prometheus text for /metrics. */
  metrics?(): Promise<string>;
  /** Where dashboard logouts are kept (the store); without it a logout only drops the cookie. */
  readonly sessionRevocations?: SessionRevocations;
  /** Clock of the wrong-token limit (tests); default Date.now. */
  readonly now?: () => number;
}

/** A login form is a token and a page to go back to. */
const LOGIN_BODY_BYTES = 8 * 1024;
/** A dashboard form or admin API call: the largest is a replay of up to 1,000 failed runs by id. */
const FORM_BODY_BYTES = 256 * 1024;

function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) => c.json(errorBody("BODY_TOO_LARGE", `this route takes a body of at most ${maxSize} bytes`), 413),
  });
}

/** The runner's HTTP surface: webhooks (open, signed), health probes (open), the admin API, /metrics and the dashboard. */
export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.route("/", createWebhookRoutes(deps.webhooks));
  const limiter = createAttemptLimiter(deps.now ?? Date.now);
  const sessions = createSessions({
    adminToken: deps.adminToken, limiter,
    ...(deps.viewerToken ? { viewerToken: deps.viewerToken } : {}),
    ...(deps.sessionRevocations ? { revocations: deps.sessionRevocations } : {}),
  });
  app.use("*", securityHeaders());
  app.use("*", refuseWhileBlocked(limiter, sessions.knows));
  // Webhooks above keep their own limit. Everything else takes small bodies, and the login form is
  // read before any token is checked: a body of any size there let anyone fill the runner's memory.
  app.post("/login", limitBody(LOGIN_BODY_BYTES));
  app.use("*", limitBody(FORM_BODY_BYTES));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => ((await deps.ready()) ? c.json({ ready: true }) : c.json({ ready: false }, 503)));

  const api = new Hono();
  api.use("*", bearerAuth(deps.adminToken, limiter, deps.viewerToken));
  api.get("/status", async (c) => c.json((await deps.status()) as object));
  // A refused candidate answers 422, so a merge job's `curl --fail-with-body` turns red with the
  // errors; a source that could not be read (git unreachable) is 503, a failure to retry, not to fix.
  api.post("/reload", async (c) => {
    const result = (await deps.reload()) as { ok?: boolean; errors?: readonly string[] };
    const unreachable = result.errors?.length && result.errors.every((e) => e.startsWith("RELOAD_SOURCE "));
    return c.json(result, result.ok !== false ? 200 : unreachable ? 503 : 422);
  });
  api.post("/runs/:id/replay", async (c) => {
    const current = c.req.query("current") === "true" || c.req.query("current") === "1";
    const { status, body } = await deps.replay(c.req.param("id"), current);
    return c.json(body as object, status as 200);
  });
  api.post("/runs/:id/retry", async (c) => {
    const { status, body } = await deps.retryNow(c.req.param("id"));
    return c.json(body as object, status as 200);
  });
  if (deps.shadow) api.route("/shadow", createShadowApi(deps.shadow));
  app.route("/api", api);

  if (deps.metrics) {
    const metrics = deps.metrics;
    // Prometheus scrapes with `authorization: { credentials: <viewer token> }`; a logged-in browser works too.
    app.get("/metrics", async (c) => {
      if (!(await sessions.read(c))) return c.text("send Authorization: Bearer <KOPPEL_VIEWER_TOKEN or KOPPEL_ADMIN_TOKEN>", 401);
      return c.body(await metrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    });
  }
  if (deps.dashboard) {
    app.route("/", createDashboard({ ...deps.dashboard, sessions, replay: deps.replay, retryNow: deps.retryNow, reload: deps.reload, ...(deps.shadow ? { shadow: deps.shadow } : {}) }));
  }
  app.notFound((c) => (forScripts(c)
    ? c.json(errorBody("NO_SUCH_ROUTE", `no route for ${c.req.method} ${c.req.path}`), 404)
    : c.text("404 Not Found", 404)));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    // A malformed form body (a broken multipart boundary) is the sender's mistake, not a 500 with a stack in the log.
    if (error instanceof TypeError && error.message.startsWith("Failed to parse body")) {
      return c.text(`${error.message} Send the form as application/x-www-form-urlencoded or well-formed multipart/form-data.`, 400);
    }
    console.error(error);
    return forScripts(c) ? c.json(INTERNAL_BODY, 500) : c.text("Internal Server Error", 500);
  });
  return app;
}

/** `/api` and webhook callers are programs: they get `{ error: { code, reason } }`, as docs/error-codes.md says; pages get text. */
function forScripts(c: Context): boolean {
  return c.req.path === "/api" || c.req.path.startsWith("/api/") || c.req.path === "/webhooks" || c.req.path.startsWith("/webhooks/");
}
