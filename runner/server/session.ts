import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { SessionRevocations } from "../store/types.ts";
import { peerOf, type AttemptLimiter } from "./attempts.ts";
import { bearerToken } from "./auth.ts";

export type Role = "admin" | "viewer";

export interface SessionOptions {
  /** KOPPEL_ADMIN_TOKEN: may replay and reload. */
  readonly adminToken: string;
  /** KOPPEL_VIEWER_TOKEN: may look, not change anything. */
  readonly viewerToken?: string;
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** Counts wrong tokens per address (a blocked address gets 429 for a wrong one: attempts.ts). */
  readonly limiter?: AttemptLimiter;
  /** Where logging out lists a session until it expires (the store, shared by every replica); without it a logout only drops the cookie. */
  readonly revocations?: SessionRevocations;
}

export interface Session {
  readonly role: Role;
  /** Hidden field in every form; state-changing requests must echo it. */
  readonly csrf: string;
}

export interface Sessions {
  /** The role a token presented by this request grants, compared in constant time; a miss counts against its address. */
  check(c: Context, token: string): Role | null;
  /** Whether `token` is one of the runner's, without counting anything. */
  knows(token: string): boolean;
  /** A MAC of `text` under the runner's session key (the same on every replica): what the runner itself wrote. */
  sign(text: string): string;
  /** Milliseconds this request's address is still blocked for wrong tokens; 0 when it is not. */
  blockedFor(c: Context): number;
  /** Sets the session cookie after a successful login. */
  login(c: Context, role: Role): void;
  /** Drops the cookie and revokes its session, so a copy of the cookie no longer works either. */
  logout(c: Context): Promise<void>;
  /** The session of the request: its cookie, or `Authorization: Bearer` (scripts, Prometheus). */
  read(c: Context): Promise<Session | null>;
  /** Pages: redirect to the login form without a session. */
  requirePage(): MiddlewareHandler<SessionEnv>;
  /** POSTs from the dashboard: an admin session, the CSRF token, and a same-origin request. */
  requireAdminForm(): MiddlewareHandler<SessionEnv>;
  /** POSTs any logged-in user may send (log out): a session, the CSRF token, a same-origin request. */
  requireForm(): MiddlewareHandler<SessionEnv>;
}

/** Hono variables the dashboard routes read (`c.get("session")`). */
export type SessionEnv = { Variables: { session: Session } };

export const SESSION_COOKIE = "koppel_session";

/**
 * Stateless sessions: the cookie is `role.expiry.id.mac`, keyed by a secret derived from the admin
 * token (and for a viewer's, the viewer token too), so changing a token logs its sessions out, and
 * a restart does not. Logging out lists the session's random id as revoked until it would expire. HttpOnly keeps scripts away from it; SameSite=Strict keeps other sites from
 * sending it; the CSRF token (a MAC of the cookie) and the Origin check cover browsers that do not
 * honour SameSite.
 */
export function createSessions(options: SessionOptions): Sessions {
  const key = createHmac("sha256", "koppel-session").update(options.adminToken).digest();
  // A viewer's cookie also depends on the viewer token: a new one ends the old viewers' sessions.
  const viewerKey = createHmac("sha256", key).update(`viewer:${options.viewerToken ?? ""}`).digest();
  const roleMac = (role: Role, text: string) => createHmac("sha256", role === "viewer" ? viewerKey : key).update(text).digest("base64url");
  const ttl = options.ttlMs ?? 12 * 3_600_000;
  const now = options.now ?? Date.now;
  const mac = (text: string) => createHmac("sha256", key).update(text).digest("base64url");
  const csrfOf = (cookie: string) => mac(`csrf:${cookie}`);
  const tokens: [string, Role][] = [[options.adminToken, "admin"], ...(options.viewerToken ? [[options.viewerToken, "viewer"] as [string, Role]] : [])];

  const roleOf = (token: string): Role | null => {
    for (const [expected, role] of tokens) if (same(token, expected)) return role;
    return null;
  };

  const check = (c: Context, token: string): Role | null => {
    const role = roleOf(token);
    if (role) options.limiter?.succeeded(peerOf(c));
    else options.limiter?.failed(peerOf(c));
    return role;
  };

  /** A cookie this runner signed and that has not expired; whether it was logged out is asked apart. */
  const signed = (cookie: string | undefined): { role: Role; expiry: number; id: string } | null => {
    if (!cookie) return null;
    const [role, expiry, id, given, ...rest] = cookie.split(".");
    if ((role !== "admin" && role !== "viewer") || !expiry || !id || !given || rest.length) return null;
    if (!same(given, roleMac(role, `${role}.${expiry}.${id}`)) || Number(expiry) < now()) return null;
    if (role === "viewer" && !options.viewerToken) return null;
    return { role, expiry: Number(expiry), id };
  };

  const read = async (c: Context): Promise<Session | null> => {
    const token = bearerToken(c.req.header("authorization"));
    if (token !== undefined) {
      const role = check(c, token);
      // A bearer request is not sent by a browser on its own, so it needs no CSRF token.
      return role ? { role, csrf: "" } : null;
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    const session = signed(cookie);
    if (!session || (await options.revocations?.sessionRevoked(session.id))) return null;
    return { role: session.role, csrf: csrfOf(cookie!) };
  };

  return {
    check,
    read,
    knows: (token) => roleOf(token) !== null,
    sign: (text) => mac(`signed:${text}`),
    blockedFor: (c) => options.limiter?.blockedFor(peerOf(c)) ?? 0,
    login(c, role) {
      const body = `${role}.${now() + ttl}.${randomBytes(12).toString("base64url")}`;
      const value = `${body}.${roleMac(role, body)}`;
      setCookie(c, SESSION_COOKIE, value, { httpOnly: true, sameSite: "Strict", path: "/", secure: isHttps(c), maxAge: Math.floor(ttl / 1000) });
    },
    async logout(c) {
      const session = signed(getCookie(c, SESSION_COOKIE));
      if (session) await options.revocations?.revokeSession(session.id, session.expiry);
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
    },
    requirePage() {
      return async (c, next) => {
        const session = await read(c);
        // The whole address, filters included: after logging in the page is the one asked for.
        if (!session) return c.redirect(`/login?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`, 303);
        c.set("session", session);
        await next();
      };
    },
    requireAdminForm: () => formGuard(read, true),
    requireForm: () => formGuard(read, false),
  };
}

function formGuard(read: (c: Context) => Promise<Session | null>, adminOnly: boolean): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    const session = await read(c);
    if (!session) return c.text("log in first", 401);
    if (adminOnly && session.role !== "admin") return c.text("the viewer token may look, not change anything", 403);
    if (session.csrf) {
      if (!sameOrigin(c)) return c.text("cross-site request refused", 403);
      const body = await c.req.parseBody({ all: true });
      if (typeof body.csrf !== "string" || !same(body.csrf, session.csrf)) return c.text("form expired or forged: reload the page", 403);
    }
    c.set("session", session);
    await next();
  };
}

/** Origin (or, failing that, Sec-Fetch-Site) must say the form came from this dashboard. */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (origin) return origin === new URL(c.req.url).origin || origin === `${forwardedProto(c) ?? "http"}://${c.req.header("host")}`;
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin" || site === "none";
}

export function isHttps(c: Context): boolean {
  return (forwardedProto(c) ?? new URL(c.req.url).protocol.replace(":", "")) === "https";
}

function forwardedProto(c: Context): string | undefined {
  return c.req.header("x-forwarded-proto")?.split(",")[0]?.trim();
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A login token for sandbox mode, where nobody set one. */
export function generateToken(): string {
  return randomBytes(18).toString("base64url");
}
