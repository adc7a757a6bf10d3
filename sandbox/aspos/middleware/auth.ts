import { randomBytes } from "node:crypto";
import { Hono, type MiddlewareHandler } from "hono";
import type { SimState } from "../state.ts";
import type { SimEnv } from "../http.ts";
import { json } from "../http.ts";

function unauthorized(error?: string): Response {
  return new Response(null, {
    status: 401,
    headers: { "WWW-Authenticate": error ? `Bearer error="${error}"` : "Bearer" },
  });
}

/** Bearer check on /api: an expired or unknown token gets 401 with an empty body. */
export function requireToken(state: () => SimState, now: () => number): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return unauthorized();
    const token = state().tokens.get(match[1]);
    if (!token || token.expiresAt <= now()) return unauthorized("invalid_token");
    c.set("clientId", token.clientId);
    return next();
  };
}

function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const at = decoded.indexOf(":");
  return at < 0 ? undefined : [decodeURIComponent(decoded.slice(0, at)), decodeURIComponent(decoded.slice(at + 1))];
}

/** `POST /connect/token`: client credentials in the form (verified) or HTTP Basic; RFC 6749 errors. */
export function tokenRoutes(state: () => SimState, now: () => number): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.post("/connect/token", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    if (form.get("grant_type") !== "client_credentials") return json({ error: "unsupported_grant_type" }, 400);
    const scope = form.get("scope");
    if (scope !== null && scope !== "api") return json({ error: "invalid_scope" }, 400);
    const [clientId, clientSecret] = basicCredentials(c.req.header("authorization")) ?? [form.get("client_id"), form.get("client_secret")];
    const client = state().clients.find((k) => k.clientId === clientId && k.clientSecret === clientSecret);
    if (!client) return json({ error: "invalid_client" }, 400);
    const lifetime = state().tokenLifetimeSeconds;
    const accessToken = randomBytes(24).toString("base64url");
    state().tokens.set(accessToken, { clientId: client.clientId, expiresAt: now() + lifetime * 1000 });
    return json({ access_token: accessToken, expires_in: lifetime, token_type: "Bearer", scope: "api" }, 200, { "cache-control": "no-store" });
  });
  return app;
}
