import type { Context, MiddlewareHandler } from "hono";
import type { ErrorCode } from "../../common/errors.ts";
import { bearerToken } from "./auth.ts";
import { errorBody } from "./error-body.ts";

/**
 * Failed token guesses per caller address (login form and bearer tokens alike). After `max` misses
 * within `windowMs` a wrong token from that address is answered 429 until the window ends.
 *
 * The right token always gets in. Refusing it too locked every client of one address out: behind
 * the load balancer deploy.md recommends, all clients share the proxy's address, and ten wrong
 * logins a minute from anyone kept the CI reload, Prometheus and every login out indefinitely.
 * Letting it pass tells a guesser when it is right, which is worth nothing against tokens of at
 * least 24 random characters (MIN_ADMIN_TOKEN_LENGTH); the 429 still tells a misconfigured client
 * to stop.
 */
export interface AttemptLimiter {
  /** Milliseconds until `peer` may try again; 0 when it may try now. */
  blockedFor(peer: string): number;
  failed(peer: string): void;
  succeeded(peer: string): void;
}

export const DEFAULT_MAX_FAILURES = 10;
export const DEFAULT_WINDOW_MS = 60_000;
/** Addresses remembered at most: a spray from many addresses must not grow memory without bound. */
const MAX_TRACKED = 10_000;

export function createAttemptLimiter(now: () => number, max = DEFAULT_MAX_FAILURES, windowMs = DEFAULT_WINDOW_MS): AttemptLimiter {
  const misses = new Map<string, { count: number; since: number }>();
  const current = (peer: string) => {
    const entry = misses.get(peer);
    if (entry && now() - entry.since >= windowMs) {
      misses.delete(peer);
      return undefined;
    }
    return entry;
  };
  return {
    blockedFor(peer) {
      const entry = current(peer);
      return entry && entry.count >= max ? entry.since + windowMs - now() : 0;
    },
    failed(peer) {
      const entry = current(peer);
      if (entry) entry.count++;
      else {
        if (misses.size >= MAX_TRACKED) for (const key of [...misses.keys()]) current(key);
        if (misses.size >= MAX_TRACKED) misses.delete(misses.keys().next().value as string);
        misses.set(peer, { count: 1, since: now() });
      }
    },
    succeeded: (peer) => void misses.delete(peer),
  };
}

/** The socket's address on @hono/node-server; forwarded headers are not believed for this. */
export function peerOf(c: Context): string {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? "";
}

/** The answer to a wrong token from an address that is blocked for `waitMs` more. */
export function tooManyAttempts(c: Context, waitMs: number): Response {
  const seconds = Math.ceil(waitMs / 1000);
  const code: ErrorCode = "TOO_MANY_ATTEMPTS";
  return c.json(errorBody(code, `too many wrong tokens from this address; try again in ${seconds} s`), 429, { "Retry-After": String(seconds) });
}

/**
 * Refuses a request with a bearer token that `knows` does not know while its address is blocked.
 * The login form judges its own token (its body is read there, after the size limit).
 */
export function refuseWhileBlocked(limiter: AttemptLimiter, knows: (token: string) => boolean): MiddlewareHandler {
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    const wait = token !== undefined && !knows(token) ? limiter.blockedFor(peerOf(c)) : 0;
    if (wait > 0) return tooManyAttempts(c, wait);
    await next();
  };
}
