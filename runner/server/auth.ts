import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { ErrorCode } from "../../common/errors.ts";
import { peerOf, type AttemptLimiter } from "./attempts.ts";

/**
 * `/api/*` needs `Authorization: Bearer <KOPPEL_ADMIN_TOKEN>`. Webhooks do not: they carry their
 * own signatures. Compared in constant time so the token cannot be guessed byte by byte.
 */
export function bearerAuth(token: string, limiter?: AttemptLimiter): MiddlewareHandler {
  const expected = Buffer.from(token);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      limiter?.failed(peerOf(c));
      return c.json({ error: { code: "UNAUTHORIZED" satisfies ErrorCode, reason: "send Authorization: Bearer <KOPPEL_ADMIN_TOKEN>" } }, 401);
    }
    await next();
  };
}
