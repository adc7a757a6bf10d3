import type { MiddlewareHandler } from "hono";
import { Problem } from "../problem.ts";
import type { SimState } from "../state.ts";
import type { SimEnv } from "../http.ts";

const WINDOW_MS = 60_000;

/** Fixed 60-second window per client_id, with the X-RateLimit-* headers on every answer. */
export function rateLimit(state: () => SimState, now: () => number): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const limits = state().rateLimit;
    const t = now();
    if (t - limits.windowStart >= WINDOW_MS) {
      limits.windowStart = t - (t % WINDOW_MS);
      limits.counts.clear();
    }
    const client = c.get("clientId");
    const used = (limits.counts.get(client) ?? 0) + 1;
    limits.counts.set(client, used);
    const resetSeconds = Math.max(1, Math.ceil((limits.windowStart + WINDOW_MS - t) / 1000));
    const headers = {
      "X-RateLimit-Limit": String(limits.perMinute),
      "X-RateLimit-Remaining": String(Math.max(0, limits.perMinute - used)),
      "X-RateLimit-Reset": String(resetSeconds),
    };
    if (used > limits.perMinute) {
      return new Problem(429, "RateLimited", "Too many requests.", `More than ${limits.perMinute} requests in this minute.`, {},
        { ...headers, "Retry-After": String(resetSeconds) }).toResponse();
    }
    await next();
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}
