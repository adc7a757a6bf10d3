import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { Problem, validationFailed } from "../problem.ts";
import type { SimState } from "../state.ts";
import type { SimEnv } from "../http.ts";

const KEEP_MS = 24 * 3_600_000;
const KEPT_HEADERS = ["content-type", "location"];

/** Paths where a missing key is an error: a replayed delta would count twice. */
const KEY_REQUIRED = ["/api/stock-mutations"];

/**
 * Idempotency-Key on POST/PUT: the first answer is stored per client and key; the same key with the
 * same request replays it, with another request is a 409. 5xx and 429 are not stored, so a retry
 * after an outage really runs.
 */
export function idempotency(state: () => SimState, now: () => number): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST" && c.req.method !== "PUT") return next();
    const key = c.req.header("idempotency-key");
    if (key === undefined) {
      if (KEY_REQUIRED.includes(c.req.path)) throw validationFailed({ "Idempotency-Key": ["This endpoint requires an Idempotency-Key header."] });
      return next();
    }
    if (key.length === 0 || key.length > 64) throw validationFailed({ "Idempotency-Key": ["The key must be 1 to 64 characters."] });
    const body = await c.req.text();
    const fingerprint = `${c.req.method} ${c.req.path} ${createHash("sha256").update(body).digest("hex")}`;
    const slot = `${c.get("clientId")}\n${key}`;
    const store = state().idempotency;
    const stored = store.get(slot);
    if (stored && now() - stored.storedAt < KEEP_MS) {
      if (stored.fingerprint !== fingerprint) {
        throw new Problem(409, "IdempotencyKeyReuse", "The idempotency key was used for another request.",
          `Key '${key}' belongs to a different request.`);
      }
      return new Response(stored.body, { status: stored.status, headers: { ...stored.headers, "Idempotent-Replayed": "true" } });
    }
    await next();
    const status = c.res.status;
    if (status >= 500 || status === 429) return;
    const headers: Record<string, string> = {};
    for (const h of KEPT_HEADERS) {
      const v = c.res.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    store.set(slot, { fingerprint, status, headers, body: await c.res.clone().text(), storedAt: now() });
  };
}
