import { randomBytes } from "node:crypto";
import type { Context } from "hono";

/** The sandbox's OAuth client of the App connector (reference §2.4: client credentials). */
export const SANDBOX_OAUTH_CLIENT = { clientId: "koppel-sandbox", clientSecret: "sandbox-oauth-secret-0000000000000000" } as const;

export interface OAuthState {
  /** clientId → clientSecret. */
  readonly clients: Map<string, string>;
  /** access token → when it stops being accepted (epoch ms). */
  readonly issued: Map<string, number>;
  lifetimeSeconds: number;
  /** Token requests answered (tests count how often a client signs in). */
  requests: number;
}

export const newOAuthState = (): OAuthState => ({
  clients: new Map([[SANDBOX_OAUTH_CLIENT.clientId, SANDBOX_OAUTH_CLIENT.clientSecret]]),
  issued: new Map(),
  lifetimeSeconds: 3600,
  requests: 0,
});

/** `POST /ProfitRestServices/oauth/token`, grant_type=client_credentials in a form body; RFC 6749 errors. */
export async function tokenEndpoint(c: Context, oauth: OAuthState, nowMs: number): Promise<Response> {
  oauth.requests++;
  const form = new URLSearchParams(await c.req.text());
  if (form.get("grant_type") !== "client_credentials") return c.json({ error: "invalid_request", error_description: "grant_type must be client_credentials" }, 400);
  const id = form.get("client_id");
  if (!id || oauth.clients.get(id) !== form.get("client_secret")) return c.json({ error: "invalid_client", error_description: "unknown client or wrong secret" }, 400);
  const token = randomBytes(24).toString("base64url");
  oauth.issued.set(token, nowMs + oauth.lifetimeSeconds * 1000);
  // From Profit 9 refresh_token is left out; older versions send null.
  return c.json({ access_token: token, token_type: "Bearer", expires_in: oauth.lifetimeSeconds });
}

/** A Bearer header with a token this simulator issued and that has not expired. */
export function bearerAccepted(header: string | undefined, oauth: OAuthState, nowMs: number): boolean {
  const m = /^Bearer\s+(\S+)$/.exec(header ?? "");
  const until = m ? oauth.issued.get(m[1]!) : undefined;
  return until !== undefined && nowMs < until;
}
