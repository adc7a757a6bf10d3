import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { CSS } from "./dashboard/style.ts";

/**
 * The dashboard's pages carry no script and one stylesheet, inline: the policy allows exactly that
 * stylesheet (by its hash) and nothing else, so text from a payload that slipped past escaping could
 * not run or load anything. Framing is refused because the pages hold admin buttons (replay, retry,
 * reload) a hostile page could otherwise overlay and get clicked.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(CSS).digest("base64")}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not no-referrer: under it Chromium sends `Origin: null` with the dashboard's own forms, and the
  // session's cross-site check (session.ts) refuses them. Other sites still learn no run ids.
  "referrer-policy": "same-origin",
};

/**
 * On every answer but webhooks' (their callers are programs). Pages and API answers hold order and
 * customer data, so nothing is cached unless the route says otherwise: not by a shared proxy, and
 * not in a browser where Back after a logout would show them again.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
  };
}
