import { Hono } from "hono";
import { createControl, type SimControl } from "./control.ts";
import type { SimContext } from "./domain/context.ts";
import type { SimEnv } from "./http.ts";
import { requireToken, tokenRoutes } from "./middleware/auth.ts";
import { DROP_HEADER, faultInjection } from "./middleware/faults.ts";
import { idempotency } from "./middleware/idempotency.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { notFound, Problem } from "./problem.ts";
import { catalogRoutes } from "./routes/catalog.ts";
import { controlRoutes } from "./routes/control.ts";
import { customerRoutes } from "./routes/customers.ts";
import { orderRoutes } from "./routes/orders.ts";
import { referenceRoutes } from "./routes/reference.ts";
import { stockRoutes } from "./routes/stock.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { demoSeed } from "./seed.ts";
import { nextStamp, stateFromSeed, type Client, type SimState } from "./state.ts";
import type { Seed } from "./types.ts";
import { WebhookSender, type WebhookOptions } from "./webhooks/sender.ts";

export const SANDBOX_CLIENT: Client = { clientId: "koppel-sandbox", clientSecret: "sandbox-secret" };

export interface AsposSimulatorOptions {
  /** Clock for tokens, stamps, rate windows and webhook timestamps (default Date.now). */
  readonly now?: () => number;
  readonly clients?: readonly Client[];
  /** expires_in of issued tokens (default 3600). */
  readonly tokenLifetimeSeconds?: number;
  readonly rateLimitPerMinute?: number;
  readonly seed?: () => Seed;
  readonly webhooks?: WebhookOptions;
}

export interface AsposSimulator {
  readonly app: Hono<SimEnv>;
  /** Live state; replaced by reset(), so read it through this getter. */
  readonly state: SimState;
  readonly control: SimControl;
  /**
   * fetch into the app without a socket; a `drop` fault rejects like a cut connection and an
   * AbortSignal is honoured, so connectors see the same failures as over TCP.
   */
  readonly fetch: typeof fetch;
  /** Stops webhook timers. */
  close(): void;
}

function inProcessFetch(app: Hono<SimEnv>): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const signal = request.signal;
    const answer = Promise.resolve(app.fetch(request));
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    const res = await Promise.race([answer, aborted]);
    if (res.headers.get(DROP_HEADER)) throw new TypeError("fetch failed", { cause: new Error("socket hang up (sandbox drop)") });
    return res;
  };
}

export function createAsposSimulator(options: AsposSimulatorOptions = {}): AsposSimulator {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? demoSeed;
  const fresh = (): SimState => stateFromSeed(seed(), [...(options.clients ?? [SANDBOX_CLIENT])],
    options.tokenLifetimeSeconds ?? 3600, options.rateLimitPerMinute ?? 300);
  const holder = { state: fresh() };
  const getState = (): SimState => holder.state;
  let sender: WebhookSender;
  const ctx: SimContext = {
    get state() {
      return holder.state;
    },
    now,
    stamp: () => nextStamp(holder.state, now()),
    emit: (type, data) => void sender.emit(type, data),
  };
  sender = new WebhookSender(getState, now, options.webhooks);
  const control = createControl(ctx, sender, () => {
    holder.state = fresh();
  }, holder);

  const app = new Hono<SimEnv>();
  app.onError((err) => {
    if (err instanceof Problem) return err.toResponse();
    return new Problem(500, "InternalError", "An unexpected error occurred.", err.message).toResponse();
  });
  app.notFound((c) => (c.req.path.startsWith("/api") ? notFound(`${c.req.method} ${c.req.path}`).toResponse() : c.text("Not Found", 404)));
  app.route("/_sandbox", controlRoutes(control));
  app.use("/connect/*", faultInjection(getState));
  app.use("/api/*", faultInjection(getState));
  app.route("/", tokenRoutes(getState, now));

  const api = new Hono<SimEnv>();
  api.use("*", requireToken(getState, now), rateLimit(getState, now), idempotency(getState, now));
  for (const routes of [catalogRoutes(ctx), stockRoutes(ctx), customerRoutes(ctx), orderRoutes(ctx), referenceRoutes(ctx), webhookRoutes(ctx, sender)]) {
    api.route("/", routes);
  }
  app.route("/api", api);

  return {
    app,
    get state() {
      return holder.state;
    },
    control,
    fetch: inProcessFetch(app),
    close: () => sender.stop(),
  };
}
