import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { peerOf, type AttemptLimiter } from "./attempts.ts";
import { errorBody } from "./error-body.ts";

/** The token of an `Authorization: Bearer …` header (the scheme's name in any case, RFC 9110); undefined without one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^bearer +(\S+) *$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * `/api/*` needs `Authorization: Bearer <KOPPEL_ADMIN_TOKEN>`. Webhooks do not: they carry their
 * own signatures. Compared in constant time so the token cannot be guessed byte by byte. The
 * viewer token is refused as read-only, not counted as a wrong guess: a tool set up with it (a
 * status check) otherwise locked the admin out of this address after ten calls. A request with no
 * token at all guesses nothing either: behind a proxy ten of them (a monitor, a browser) locked out
 * every client of that address, the CI reload included.
 */
export function bearerAuth(token: string, limiter?: AttemptLimiter, viewerToken?: string): MiddlewareHandler {
  const expected = Buffer.from(token);
  const viewer = viewerToken ? Buffer.from(viewerToken) : undefined;
  const same = (given: Buffer, wanted: Buffer) => given.length === wanted.length && timingSafeEqual(given, wanted);
  return async (c, next) => {
    const presented = bearerToken(c.req.header("authorization"));
    const given = Buffer.from(presented ?? "");
    if (viewer && same(given, viewer)) {
      return c.json(errorBody("READ_ONLY_TOKEN", "the viewer token only reads pages and /metrics; /api needs Authorization: Bearer <KOPPEL_ADMIN_TOKEN>"), 403);
    }
    if (!same(given, expected)) {
      if (presented !== undefined) limiter?.failed(peerOf(c));
      return c.json(errorBody("UNAUTHORIZED", "send Authorization: Bearer <KOPPEL_ADMIN_TOKEN>"), 401);
    }
    await next();
  };
}
