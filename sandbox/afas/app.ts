import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { Hono } from "hono";
import { authorised, ipAllowed } from "./auth.ts";
import { bearerAccepted, tokenEndpoint } from "./oauth.ts";
import type { AfasSimulatorControl } from "./control.ts";
import { controlRoutes, createControl } from "./control.ts";
import { maintenanceBody } from "./errors.ts";
import { takeDrop, takeUnavailable } from "./faults.ts";
import { profitApi } from "./profit-api.ts";
import type { SimState, StateOptions } from "./state.ts";
import { createState, moveInFlight } from "./state.ts";

export interface AfasSimulatorOptions extends StateOptions {
  /**
   * Who is calling, for the App connector's IP restriction. Default: the socket's remote address
   * under @hono/node-server; in-process `app.request()` calls have none unless this says so.
   */
  clientAddress?: (c: Context) => string | undefined;
}

export interface AfasSimulator {
  app: Hono;
  state: SimState;
  control: AfasSimulatorControl;
}

type Bindings = { incoming?: IncomingMessage };

const PREFIX = /^\/profitrestservices(?=\/|$)/i;
/** IIS refuses longer query strings before Profit sees them, with a bare 404. */
const MAX_QUERY = 2049;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const socketAddress = (c: Context<{ Bindings: Bindings }>): string | undefined => c.env?.incoming?.socket?.remoteAddress;

export function createAfasSimulator(options: AfasSimulatorOptions = {}): AfasSimulator {
  const state = createState(options);
  const control = createControl(state, { allowIps: state.allowIps ? [...state.allowIps] : null, latencyMs: options.latencyMs ?? 0 });
  const clientAddress: (c: Context<{ Bindings: Bindings }>) => string | undefined = options.clientAddress ?? socketAddress;
  const app = new Hono<{ Bindings: Bindings }>();

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Trace-Identifier", randomUUID());
  });
  app.route("/_sandbox", controlRoutes(control));

  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const stats = state.stats;
    stats.requests += 1;
    moveInFlight(stats, 1);
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      const res = await answer(c, url);
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      return res;
    } finally {
      moveInFlight(stats, -1);
    }
  });

  async function answer(c: Context<{ Bindings: Bindings }>, url: URL): Promise<Response> {
    if (state.faults.latencyMs > 0) await sleep(state.faults.latencyMs);
    const drop = takeDrop(state.faults, c.req.method);
    if (drop === "before") return hangUp(c);
    const down = takeUnavailable(state.faults, state.nowMs());
    if (down) {
      if (down.header) c.header("Retry-After", String(down.retryAfterSeconds));
      return c.json(maintenanceBody(down.retryAfterSeconds), 503);
    }
    if (url.search.length > MAX_QUERY) return c.body(null, 404);
    const match = PREFIX.exec(url.pathname);
    if (!match) return c.body(null, 404);
    const rest = url.pathname.slice(match[0].length);
    if (c.req.method === "POST" && rest.toLowerCase() === "/oauth/token") return tokenEndpoint(c, state.oauth, state.nowMs());
    const header = c.req.header("authorization");
    if (!authorised(header, state.tokens) && !bearerAccepted(header, state.oauth, state.nowMs())) return c.body(null, 401);
    if (state.allowIps && !ipAllowed(clientAddress(c), state.allowIps)) return c.body(null, 403);
    const segments = url.pathname.slice(match[0].length).split("/").filter(Boolean).map(decodeURIComponent);
    const res = await profitApi(state, c, segments);
    return drop === "after" ? hangUp(c) : res;
  }

  /** Closes the caller's connection without an answer. */
  function hangUp(c: Context<{ Bindings: Bindings }>): Response {
    const socket = c.env?.incoming?.socket;
    if (!socket) throw new Error("sandbox: connection dropped (no socket in-process)");
    socket.destroy();
    return c.body(null, 500);
  }

  return { app: app as unknown as Hono, state, control };
}
